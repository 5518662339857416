"""Plain cards on desks the paper search is tuned on, and nothing else draws.

The digit benchmark measures on ``tests/heldout_cards.py``'s desks (photographs, a checked
cloth, a pale desk, clutter); training draws on ``edgecam.edge.scenes``. Tuning the search on
either would flatter it, so this module draws its own: wooden planks, speckled stone, a page of
print, tiles with grout, a plain pale or grey tabletop, each under a light gradient and sometimes a
soft shadow, with a plain card on it written in a Hershey font (or in handwriting the caller gives,
such as MNIST's training digits), and on request a hard-edged shadow across the card or
(``grainy``) a noisier sensor's grain. Each scene knows where the card's corners are and what is
written on it, so the search can be scored on finding it and the reader on reading it.

``tests/test_digit_split.py`` fails if this module and the held-out scenes import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FRAME = (640, 480)  # width, height
DESKS = ("planks", "stone", "print", "tiles", "tabletop")


@dataclass
class TuningScene:
    grey: np.ndarray  # uint8, FRAME
    corners: np.ndarray | None  # the card's corners in the frame, clockwise from its top left; None: no card
    desk: str
    text: str = ""  # what is written on the card


def scene(
    rng: np.random.Generator,
    with_card: bool = True,
    hard_shadow: bool = False,
    handwriting: tuple[np.ndarray, np.ndarray] | None = None,
    bowed: bool = False,
    shadow_on_the_card_alone: bool = False,
    desk: str | None = None,
    span: tuple[float, float] = (0.3, 0.6),
) -> TuningScene:
    """A desk from ``DESKS``, perhaps with a plain card lying on it, in uneven light; with
    ``hard_shadow``, a sharp-edged shadow falls across the card; when ``bowed``, the card is
    lit otherwise than the desk (see ``_bow``); with ``shadow_on_the_card_alone``, the hard shadow
    falls on the card and not on the desk. The card is written in a Hershey font, small, or
    with ``handwriting`` (28 x 28 images, white on black, and their labels: the caller's, such as
    MNIST's training set) as large as people write on a card. ``desk`` names one of ``DESKS``
    (else one is drawn), and ``span`` is the least and most share of the frame's width the card
    spans."""
    kind = desk or DESKS[int(rng.integers(len(DESKS)))]
    picture = _desk(kind, rng)
    corners, text = None, ""
    if with_card:
        picture, corners, text = _with_card(picture, rng, handwriting, bowed, span)
    light = _uneven_light(rng)
    if (hard_shadow or shadow_on_the_card_alone) and corners is not None:
        light *= _hard_shadow(corners, rng, shadow_on_the_card_alone)
    noisy = picture * light + rng.normal(0, rng.uniform(1, 4), picture.shape)
    return TuningScene(np.clip(noisy, 0, 255).astype(np.uint8), corners, kind, text)


def grainy(grey: np.ndarray, rng: np.random.Generator, level: float) -> np.ndarray:
    """``grey`` as a noisier sensor would see it: Gaussian noise of ``level`` grey levels,
    blurred over a pixel as a camera's demosaicking spreads it and doubled as its sharpening
    does; about half of ``level`` at each pixel, in specks a pixel or two across."""
    noise = cv2.GaussianBlur(rng.normal(0, level, grey.shape).astype(np.float32), (0, 0), 1.0)
    return np.clip(grey + 2 * noise, 0, 255).astype(np.uint8)


def upright(grey: np.ndarray, corners: np.ndarray, inset: float = 0.04) -> np.ndarray:
    """The card with these corners (clockwise from the top left) warped upright, as the reader is
    given it: inside its edge by ``inset`` of its height."""
    width = round(float(np.linalg.norm(corners[1] - corners[0])))
    height = round(float(np.linalg.norm(corners[3] - corners[0])))
    margin = inset * height
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32) - margin
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(grey, matrix, (round(width - 2 * margin), round(height - 2 * margin)))


def things_beside(grey: np.ndarray, corners: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``grey`` with one or two things people leave beside a card on a desk, off its left or right
    side and never over it: a pen, a phone, a coin or a key, each of its own dark tone."""
    picture = grey.astype(np.float32)
    side = (corners[1], corners[2]) if rng.random() < 0.5 else (corners[0], corners[3])
    middle = (side[0] + side[1]) / 2
    away = middle - corners.mean(axis=0)
    out = away / np.linalg.norm(away)
    for _ in range(int(rng.integers(1, 3))):
        x, y = middle + out * rng.uniform(15, 70) + (side[1] - side[0]) * rng.uniform(-0.3, 0.3)
        kind, tone = rng.choice(["pen", "phone", "coin", "key"]), float(rng.uniform(15, 90))
        if kind in ("pen", "phone"):
            size = (
                (rng.uniform(40, 160), rng.uniform(5, 12))
                if kind == "pen"
                else (rng.uniform(50, 80), rng.uniform(100, 150))
            )
            outline = cv2.boxPoints(((float(x), float(y)), size, float(rng.uniform(0, 180))))
            cv2.fillConvexPoly(picture, outline.astype(np.int32), tone, cv2.LINE_AA)
        elif kind == "coin":
            shade = tone if rng.random() < 0.5 else 230.0
            cv2.circle(picture, (int(x), int(y)), int(rng.uniform(10, 22)), shade, -1, cv2.LINE_AA)
        else:  # a key: its head and its blade
            head = ((float(x), float(y)), (rng.uniform(12, 20), rng.uniform(30, 50)), float(rng.uniform(0, 180)))
            cv2.ellipse(picture, head, tone, -1, cv2.LINE_AA)
            tip = (int(x + rng.uniform(-40, 40)), int(y + rng.uniform(-40, 40)))
            cv2.line(picture, (int(x), int(y)), tip, tone, int(rng.integers(3, 7)), cv2.LINE_AA)
    card = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(card, corners.astype(np.int32), 1)
    return np.where(card > 0, grey, np.clip(picture, 0, 255)).astype(np.uint8)


def _desk(kind: str, rng: np.random.Generator) -> np.ndarray:
    width, height = FRAME
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    if kind == "planks":  # boards of their own tone with grain running along them
        across = ys if rng.random() < 0.5 else xs
        along = xs if across is ys else ys
        board = rng.uniform(50, 140)
        tones = rng.uniform(0.8, 1.2, 40).astype(np.float32)
        plank = (across // board).astype(int)
        grain = np.sin(along / rng.uniform(3, 9) + 4 * np.sin(across / rng.uniform(20, 50) + plank))
        desk = rng.uniform(70, 190) * tones[plank % 40] * (1 + 0.08 * grain)
        desk[np.abs(across % board) < 2] *= 0.5  # the gap between two boards
        return desk
    if kind == "stone":  # speckles of several sizes
        desk = np.full((height, width), rng.uniform(90, 210), np.float32)
        for cell in (3, 9, 27):
            small = rng.normal(0, 1, (height // cell + 1, width // cell + 1)).astype(np.float32)
            desk += rng.uniform(6, 20) * cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)[:height]
        return desk
    if kind == "print":  # a newspaper or a page of a book: light paper, lines of small dark letters
        page = np.full((height, width), rng.uniform(180, 230), np.float32)
        size, step = rng.uniform(0.3, 0.6), int(rng.integers(12, 22))
        letters = "abcdefghijklmnopqrstuvwxyz "
        for row in range(step, height, step):
            line = "".join(letters[i] for i in rng.integers(0, len(letters), 80))
            cv2.putText(page, line, (4, row), cv2.FONT_HERSHEY_SIMPLEX, size, rng.uniform(20, 90), 1, cv2.LINE_AA)
        return page
    if kind == "tiles":  # square tiles, each a little different, with grout between
        side, grout = rng.uniform(40, 120), rng.uniform(2, 6)
        tones = rng.uniform(0.85, 1.15, (40, 40)).astype(np.float32)
        level = rng.uniform(120, 235)
        desk = level * tones[(ys // side).astype(int) % 40, (xs // side).astype(int) % 40]
        desk[(ys % side < grout) | (xs % side < grout)] = rng.uniform(40, 150)
        return desk
    # A plain tabletop, from a grey one to one as bright as the card.
    return np.full((height, width), rng.uniform(60, 235), np.float32)


def _with_card(
    desk: np.ndarray,
    rng: np.random.Generator,
    handwriting: tuple[np.ndarray, np.ndarray] | None = None,
    bowed: bool = False,
    span: tuple[float, float] = (0.3, 0.6),
) -> tuple[np.ndarray, np.ndarray, str]:
    """A plain card with a few digits on it, laid on ``desk`` in perspective, wholly in view,
    spanning a share of the frame's width within ``span``; ``bowed`` as ``_bow`` lights it."""
    card_w = int(rng.integers(300, 500))
    card_h = int(card_w * rng.uniform(0.5, 0.75))
    card = np.full((card_h, card_w), rng.uniform(185, 250), np.float32)
    if handwriting is None:
        text = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(1, 5))))
        scale = card_h / 40 * rng.uniform(0.6, 0.9)
        font = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX if rng.random() < 0.5 else cv2.FONT_HERSHEY_PLAIN
        (tw, th), _ = cv2.getTextSize(text, font, scale / 1.5, max(2, round(scale)))
        origin = (max(4, (card_w - tw) // 2), (card_h + th) // 2)
        cv2.putText(card, text, origin, font, scale / 1.5, rng.uniform(20, 90), max(2, round(scale)), cv2.LINE_AA)
    else:
        text = _handwritten(card, handwriting, rng)
    if bowed:
        card *= _bow(card.shape, rng)
    width, height = FRAME
    span = rng.uniform(*span) * width
    source = np.array([[0, 0], [card_w, 0], [card_w, card_h], [0, card_h]], np.float32)
    target = source * span / card_w
    target += rng.uniform(-0.12, 0.12, (4, 2)).astype(np.float32) * span  # seen at a slant
    centre = target.mean(axis=0)
    turn = np.radians(rng.uniform(-30, 30))
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]], np.float32)
    target = (target - centre) @ rotation.T
    low, high = target.min(axis=0), target.max(axis=0)
    room = np.maximum(np.array([width, height]) - (high - low) - 30, 1)
    target = (target - low + 15 + rng.uniform(0, 1, 2) * room).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    flat = cv2.warpPerspective(card, matrix, FRAME, flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones_like(card), matrix, FRAME, flags=cv2.INTER_LINEAR)
    return desk * (1 - cover) + flat * cover, target, text


def _handwritten(card: np.ndarray, handwriting: tuple[np.ndarray, np.ndarray], rng: np.random.Generator) -> str:
    """Writes one to four of ``handwriting``'s digits in a row across the middle of ``card`` (in
    place), each a third to a half of the card's height; the text written."""
    images, labels = handwriting
    picks = rng.integers(0, len(images), int(rng.integers(1, 5)))
    card_h, card_w = card.shape
    side = card_h * rng.uniform(0.45, 0.7)  # MNIST's 28 px hold a digit about 20 px tall
    step = side * rng.uniform(0.85, 1.0)
    fit = min(1.0, 0.95 * card_w / (step * (len(picks) - 1) + side))  # the row within the card
    side, step = int(side * fit), int(step * fit)
    left = (card_w - step * (len(picks) - 1) - side) // 2
    top = (card_h - side) // 2 + int(rng.integers(-card_h // 12, card_h // 12 + 1))
    ink = np.zeros_like(card)
    for n, pick in enumerate(picks):
        digit = cv2.resize(images[pick].astype(np.float32) / 255, (side, side), interpolation=cv2.INTER_LINEAR)
        x = left + n * step
        ink[top : top + side, x : x + side] = np.maximum(ink[top : top + side, x : x + side], digit)
    card *= 1 - rng.uniform(0.6, 0.85) * np.clip(ink, 0, 1)
    return "".join(str(int(labels[pick])) for pick in picks)


def _bow(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """The light on a card that is not flat on the desk: bent about one of its axes (a card
    taken from a pocket, or held up by its ends), so the paper turns away from the light toward
    two of its sides, and lit from a side of its own. Where the light on the card falls below the
    desk's and where it rises above it, the card's edge steps down in one place and up in another."""
    height, width = shape
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    across = (xs / width if rng.random() < 0.5 else ys / height) * 2 - 1  # -1 to 1 over the bend
    bend = rng.uniform(0.3, 0.9)  # radians the paper has turned at its ends
    facing = np.cos(bend * across + rng.uniform(-0.3, 0.3))  # towards the light at the crown
    slope = rng.uniform(-0.2, 0.2, 2)
    return (
        rng.uniform(0.95, 1.15) * facing * (1 + slope[0] * (xs / width - 0.5) + slope[1] * (ys / height - 0.5))
    ).astype(np.float32)


def _uneven_light(rng: np.random.Generator) -> np.ndarray:
    """A gradient from one side, and in a third of scenes a soft shadow band."""
    width, height = FRAME
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xs / width + np.sin(angle) * ys / height) / 1.5
    light = 1 - rng.uniform(0, 0.4) * (ramp - ramp.min())
    if rng.random() < 0.33:
        band = cv2.GaussianBlur(
            (
                np.abs(xs * np.cos(angle + 1) + ys * np.sin(angle + 1) - rng.uniform(0, width)) < rng.uniform(30, 90)
            ).astype(np.float32),
            (0, 0),
            rng.uniform(8, 25),
        )
        light *= 1 - rng.uniform(0.1, 0.3) * band
    return light


def _hard_shadow(corners: np.ndarray, rng: np.random.Generator, on_the_card_alone: bool = False) -> np.ndarray:
    """The light left by something close that blocks it (a head, a hand, a phone): a shadow with
    a sharp, straight or gently curved edge through the card, on the desk too or on the card alone
    (a card held up, its shadow falling on it from the hand that holds it; always, when
    ``on_the_card_alone``)."""
    width, height = FRAME
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    # The edge passes near the card's middle: a circle whose centre lies far off to one side.
    through = corners.mean(axis=0) + rng.uniform(-0.25, 0.25, 2) * (corners.max(axis=0) - corners.min(axis=0))
    turn, radius = rng.uniform(0, 2 * np.pi), rng.choice([rng.uniform(250, 600), 1e5])
    centre = through + radius * np.array([np.cos(turn), np.sin(turn)])
    inside = radius - np.hypot(xs - centre[0], ys - centre[1])  # > 0: in the shadow
    softness = rng.uniform(0.7, 8)
    shade = 1 - rng.uniform(0.15, 0.5) * np.clip(0.5 + inside / (2 * softness), 0, 1)
    if rng.random() < 0.3 or on_the_card_alone:
        card = np.zeros((height, width), np.uint8)
        cv2.fillConvexPoly(card, corners.astype(np.int32), 1)
        shade = np.where(card > 0, shade, 1).astype(np.float32)
    return shade.astype(np.float32)
