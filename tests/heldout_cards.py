"""Cards and desks the digit benchmark is measured on and nothing else ever draws.

Training and the export's calibration write their cards with ``edgecam.edge.scenes.cards``
(MNIST digits side by side on off-white paper, a soft shadow blob) and set them on
``edgecam.edge.scenes.clip.desk`` (smooth wood-like noise) with ``card_views.in_view``'s
pinhole camera. This module shares none of that:

- surfaces: real photographs (scikit-image's and scikit-learn's, a printed page among them), a
  checked tablecloth with folds, a pale desk nearly as bright as the card, a dark desk cluttered
  with a phone, a book and pens;
- paper: white, cream, recycled grey or a yellow note, with fibres drawn along one direction;
- the hand: each digit its own size and slant, a drifting baseline, gaps of its own, written
  with a pen, a pencil (faint, grainy) or a marker (broad);
- light: a gradient, a hard-edged shadow across the card, a vignette;
- the camera: a pinhole with a wide-angle lens's barrel distortion.

Only the card's printed template (``edgecam card print``, the product itself) is shared.
``tests/test_digit_split.py`` fails if this module ever imports the training generators or they
import it. Every function draws what it varies from ``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FRAME = (640, 480)  # width, height
SURFACES = ("photo", "cloth", "pale", "clutter")
PAPERS = {  # BGR: the paper's colour under white light
    "white": (238, 240, 242),
    "cream": (205, 228, 236),
    "recycled": (178, 184, 186),
    "note": (95, 222, 240),
}
INKS = ("pen", "pencil", "marker")


@dataclass
class HeldOutCard:
    image: np.ndarray  # BGR uint8
    text: str


def surface(rng: np.random.Generator) -> np.ndarray:
    """A desk or a table the card lies on or is held in front of: one of ``SURFACES``, BGR."""
    kind = SURFACES[int(rng.integers(len(SURFACES)))]
    width, height = FRAME
    if kind == "photo":
        from tests.face_scenes import photographs

        photos = photographs("tune") + photographs("heldout")
        photo = photos[int(rng.integers(len(photos)))]
        ph, pw = photo.shape
        zoom = rng.uniform(0.4, 1.0)
        ch, cw = max(16, int(ph * zoom)), max(16, int(pw * zoom))
        y, x = int(rng.integers(0, ph - ch + 1)), int(rng.integers(0, pw - cw + 1))
        grey = cv2.resize(photo[y : y + ch, x : x + cw], FRAME, interpolation=cv2.INTER_LINEAR)
        return _tinted(grey.astype(np.float32), rng)
    if kind == "cloth":
        period, angle = rng.uniform(18, 60), rng.uniform(0, np.pi)
        ys, xs = np.mgrid[:height, :width].astype(np.float32)
        u, v = xs * np.cos(angle) + ys * np.sin(angle), -xs * np.sin(angle) + ys * np.cos(angle)
        checks = ((np.floor(u / period) + np.floor(v / period)) % 2).astype(np.float32)
        low, high = sorted(rng.uniform(40, 200, 2))
        folds = 1 + 0.15 * np.sin(u / rng.uniform(60, 160) + rng.uniform(0, 6))
        return _tinted((low + (high - low) * checks) * folds, rng)
    if kind == "pale":
        level = rng.uniform(170, 230)
        ramp = np.linspace(rng.uniform(0.9, 1.0), rng.uniform(1.0, 1.08), height)[:, None]
        return _tinted(np.full((height, width), level, np.float32) * ramp, rng)
    desk = np.full((height, width), rng.uniform(30, 90), np.float32)
    for _ in range(int(rng.integers(3, 9))):
        centre = (float(rng.uniform(0, width)), float(rng.uniform(0, height)))
        if rng.random() < 0.4:  # a pen
            end = (centre[0] + rng.uniform(-160, 160), centre[1] + rng.uniform(-160, 160))
            points = np.array([centre, end], np.int32)
            cv2.polylines(desk, [points], False, float(rng.uniform(0, 255)), int(rng.integers(4, 12)), cv2.LINE_AA)
            continue
        size = (float(rng.uniform(60, 220)), float(rng.uniform(40, 160)))
        corners = cv2.boxPoints((centre, size, float(rng.uniform(0, 180)))).astype(np.int32)
        cv2.fillConvexPoly(
            desk, corners, float(rng.uniform(10, 160)), cv2.LINE_AA
        )  # a phone, a book: darker than paper
    return _tinted(desk, rng)


def card(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    printed: bool,
    count: int | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> HeldOutCard:
    """A card written with ``count`` (default 1-4) digits from ``images``: ``edgecam card print``'s
    template at 2.5-4 px/mm when ``printed`` (written within ``span`` of its box's width, 0-1 from
    the left), else a plain piece of paper; on held-out paper, in held-out light."""
    from edgecam.edge.digits import card_layout
    from edgecam.edge.digits.card_print import card_image

    count = count or int(rng.integers(1, 5))
    picks = rng.integers(0, len(images), count)
    if printed:
        px_per_mm = rng.uniform(2.5, 4.0)
        ink = 1 - card_image(round(px_per_mm * 25.4)).astype(np.float32) / 255
        box = card_layout.read_rect()
        clear = 0.12 * box.h * px_per_mm
        left, right = box.x + span[0] * box.w, box.x + span[1] * box.w
        x0, y0 = round(left * px_per_mm + clear), round(box.y * px_per_mm + clear)
        x1, y1 = round(right * px_per_mm - clear), round((box.y + box.h) * px_per_mm - clear)
    else:
        width = int(rng.integers(280, 460))
        height = int(width * rng.uniform(0.45, 0.7))
        ink = np.zeros((height, width), np.float32)
        edge = round(0.1 * height)
        x0, y0, x1, y1 = edge, edge, width - edge, height - edge
    written = _handwriting(images[picks], (y1 - y0, x1 - x0), rng)
    np.maximum(ink[y0:y1, x0:x1], written, out=ink[y0:y1, x0:x1])
    text = "".join(str(int(labels[i])) for i in picks)
    return HeldOutCard(_on_paper(ink, rng), text)


def seen(card_image: np.ndarray, desk: np.ndarray, rng: np.random.Generator, tilt: float) -> np.ndarray:
    """``card_image`` on ``desk`` through a wide-angle camera, tilted ``tilt`` degrees out of plane
    about a random axis, turned up to 15 degrees, 35-65 % of the frame wide, wholly in view: BGR."""
    width, height = FRAME
    ch, cw = card_image.shape[:2]
    half = np.array([cw, ch], np.float64) / cw * rng.uniform(0.35, 0.65) * width / 2
    corners = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], np.float64) * [*half, 0]
    axis = rng.uniform(0, np.pi)
    tilted, _ = cv2.Rodrigues(np.array([np.cos(axis), np.sin(axis), 0.0]) * np.radians(tilt))
    turned, _ = cv2.Rodrigues(np.array([0.0, 0.0, np.radians(rng.uniform(-15, 15))]))
    corners = corners @ tilted.T @ turned.T
    focal = rng.uniform(0.8, 1.3) * width  # 50-75 degrees of view
    distance = focal * rng.uniform(0.95, 1.1)
    projected = focal * corners[:, :2] / (corners[:, 2:3] + distance)
    low, high = projected.min(axis=0), projected.max(axis=0)
    room = np.maximum(np.array([width, height]) - (high - low) - 24, 0)
    quad = (projected - low + 12 + rng.uniform(0, 1, 2) * room).astype(np.float32)
    source = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    k1 = rng.uniform(-0.18, 0.0)
    # The lens shows more than the frame's rectangle: set the card on a desk padded by its mirror image.
    pad = int(np.ceil(np.hypot(width, height) / 2 * (1 / (1 + k1) - 1))) + 2
    canvas = cv2.copyMakeBorder(desk, pad, pad, pad, pad, cv2.BORDER_REFLECT).astype(np.float32)
    size = (width + 2 * pad, height + 2 * pad)
    matrix = cv2.getPerspectiveTransform(source, quad + pad)
    card_in_frame = cv2.warpPerspective(card_image, matrix, size, flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones((ch, cw), np.float32), matrix, size, flags=cv2.INTER_LINEAR)[:, :, None]
    canvas = canvas * (1 - cover) + card_in_frame.astype(np.float32) * cover
    return _barrel(np.clip(canvas, 0, 255).astype(np.uint8), k1, pad)


def _handwriting(digits: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """The digits written left to right in a region of ``size`` (h, w): ink strength 0-1."""
    height, width = size
    style = INKS[int(rng.integers(len(INKS)))]
    base = rng.uniform(0.5, 0.8) * height
    drift = rng.uniform(-0.06, 0.06) * base  # the baseline climbs or falls from digit to digit
    glyphs = [_glyph(d, base * rng.uniform(0.85, 1.15), rng.uniform(-12, 12)) for d in digits]
    gaps = [rng.uniform(0.12, 0.5) * base for _ in glyphs[1:]]
    total = sum(g.shape[1] for g in glyphs) + sum(gaps)
    if total > width:  # a long number written smaller
        shrink = width / total * 0.95
        glyphs = [
            cv2.resize(g, (max(1, round(g.shape[1] * shrink)), max(1, round(g.shape[0] * shrink)))) for g in glyphs
        ]
        gaps = [g * shrink for g in gaps]
        total = sum(g.shape[1] for g in glyphs) + sum(gaps)
    out = np.zeros(size, np.float32)
    x = rng.uniform(0, max(width - total, 0))
    centre = height / 2 + rng.uniform(-0.1, 0.1) * height
    for i, glyph in enumerate(glyphs):
        gh, gw = glyph.shape
        top = int(np.clip(centre - gh / 2 + drift * i + rng.uniform(-0.04, 0.04) * base, 0, height - gh))
        left = int(min(x, width - gw))
        region = out[top : top + gh, left : left + gw]
        np.maximum(region, _inked(glyph, style, rng)[: region.shape[0], : region.shape[1]], out=region)
        x += gw + (gaps[i] if i < len(gaps) else 0)
    return out


def _glyph(digit: np.ndarray, height: float, slant_degrees: float) -> np.ndarray:
    """One digit (white on black) cut to its ink, ``height`` px tall, slanted: strength 0-1."""
    rows, cols = np.flatnonzero(digit.max(1) > 40), np.flatnonzero(digit.max(0) > 40)
    if len(rows) == 0:
        rows, cols = np.arange(digit.shape[0]), np.arange(digit.shape[1])
    ink = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32) / 255
    scale = height / ink.shape[0]
    pad = int(height * 0.25)
    tall = cv2.resize(ink, (max(2, round(ink.shape[1] * scale)), max(2, round(height))), interpolation=cv2.INTER_LINEAR)
    tall = cv2.copyMakeBorder(tall, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=0)
    shear = np.float32(
        [[1, np.tan(np.radians(slant_degrees)), -np.tan(np.radians(slant_degrees)) * tall.shape[0] / 2], [0, 1, 0]]
    )
    slanted = cv2.warpAffine(tall, shear, (tall.shape[1], tall.shape[0]))
    cols = np.flatnonzero(slanted.max(0) > 0.15)
    return slanted[:, cols[0] : cols[-1] + 1] if len(cols) else slanted


def _inked(glyph: np.ndarray, style: str, rng: np.random.Generator) -> np.ndarray:
    if style == "marker":
        width = max(3, round(glyph.shape[0] / 18)) | 1
        return np.minimum(
            cv2.dilate(glyph, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width))), 1.0
        ) * rng.uniform(0.85, 1.0)
    if style == "pencil":  # graphite leaves grain, and less of it
        grain = rng.beta(4, 2, glyph.shape).astype(np.float32)
        return glyph * grain * rng.uniform(0.5, 0.75)
    return glyph * rng.uniform(0.75, 1.0)


def _on_paper(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink strength 0-1 on a held-out paper in held-out light: BGR uint8."""
    height, width = ink.shape
    colour = np.array(list(PAPERS.values())[int(rng.integers(len(PAPERS)))], np.float32) * rng.uniform(0.9, 1.0)
    fibres = rng.standard_normal((height, width)).astype(np.float32)
    fibres = cv2.blur(fibres, (int(rng.integers(3, 9)), 1)) * rng.uniform(2, 6)
    darkness = rng.uniform(0.75, 0.92)  # the ink's darkest share of the paper's light
    grey = (1 - darkness * np.clip(ink, 0, 1))[:, :, None] * colour[None, None, :] + fibres[:, :, None]
    return np.clip(grey * _light(width, height, rng)[:, :, None], 0, 255).astype(np.uint8)


def _light(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A gradient, perhaps a hard shadow's edge across the card (a phone, a shoulder), a vignette."""
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    u, v = xs / width - 0.5, ys / height - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    light = 1 - rng.uniform(0, 0.35) * (0.5 + np.cos(angle) * u + np.sin(angle) * v)
    if rng.random() < 0.5:
        turn, at = rng.uniform(0, 2 * np.pi), rng.uniform(-0.3, 0.3)
        side = np.cos(turn) * u + np.sin(turn) * v - at
        edge = rng.uniform(0.005, 0.03)  # how soft the shadow's edge is, a share of the card
        light *= 1 - rng.uniform(0.15, 0.4) * np.clip(0.5 + side / (2 * edge), 0, 1)
    light *= 1 - rng.uniform(0, 0.25) * (u**2 + v**2) * 2
    return light


def _tinted(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    tint = rng.uniform(0.85, 1.1, 3).astype(np.float32)
    return np.clip(grey[:, :, None] * tint[None, None, :], 0, 255).astype(np.uint8)


def _barrel(canvas: np.ndarray, k1: float, pad: int) -> np.ndarray:
    """The frame a wide-angle lens makes of ``canvas`` (the scene with ``pad`` px around the frame):
    straight lines bow out from the centre by ``k1`` (negative: barrel)."""
    width, height = FRAME
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    cx, cy, norm = width / 2, height / 2, np.hypot(width, height) / 2
    dx, dy = (xs - cx) / norm, (ys - cy) / norm
    factor = 1 + k1 * (dx**2 + dy**2)
    # Where each frame pixel looks in the undistorted scene: further out towards the corners.
    map_x, map_y = pad + cx + dx * norm / factor, pad + cy + dy * norm / factor
    return cv2.remap(canvas, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR)
