"""Read the handwritten digits in a region of interest: segmentation, MNIST-style crops, one batch.

A camera sees dark ink on pale paper under uneven light; the CNN learnt white
digits on black, 20x20 inside 28x28, centred on their centre of mass. This
module bridges the two, as OpenCV's digits_video.py sample does, and adds what
a real card needs: flat-fielding, specks and ruled lines ignored, strokes that
broke apart joined again.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np

from edgecam.edge.boxes import box_around
from edgecam.edge.digits.cover_ring import strokes_run_under, without_edge_ring
from edgecam.edge.digits.ink_scale import ink_against
from edgecam.edge.digits.look_alikes import look_alike
from edgecam.edge.digits.model import DigitModel
from edgecam.edge.digits.ranks import grey_percentiles
from edgecam.edge.digits.segment import (
    BROKEN_IN_TWO,
    COVERS,
    NEITHER,
    UNEVEN,
    Box,
    Cover,
    ReaderSettings,
    broken_pairs,
    cover,
    faint_marks,
    halves,
    segment,
    uneven_sizes,
    wide_enough_to_split,
)
from edgecam.edge.digits.sensor_grain import without_grain
from edgecam.edge.digits.shadow_or_hand import room_for_a_digit, seen_in_shadow
from edgecam.edge.digits.two_sided import only_two_sided, without_steps

FITS = (20, 17, 23)  # sizes each digit is read at: MNIST's own first
HYSTERESIS = 0.6  # of the ink level: fainter ink is kept where it joins ink above the level
SOLID = 0.75  # a hole this much darker than the paper, as a share of the ink's darkness, is ink
AS_TALL = 0.97  # of the taller blob's height: two blobs this alike in height are two digits
TOUCHING_SURE = 0.95  # both halves of a wide digit this sure: it may be two digits that touch
TWO_TOUCHING = "two digits may touch"
RUN_TOGETHER_WIDTH = 1.5  # of its height: a blob this wide is a broad digit (a 2, a 5) or two run together
RUN_TOGETHER_HALF = 0.2  # either half of such a blob this probable as a digit: two run together
RUN_TOGETHER = "digits run together"
CLIPPED = 250  # grey levels: paper this bright may be the sensor's white, not the paper's
WASHED_OUT = "the paper is washed out to white: light writing may not show"


@dataclass
class Digit:
    digit: int
    probability: float
    box: tuple[int, int, int, int]  # x, y, w, h inside the ROI
    fits: np.ndarray | None = field(default=None, repr=False, compare=False)  # FITS x 10 probabilities

    def to_dict(self) -> dict:
        return {
            "digit": int(self.digit),
            "probability": round(float(self.probability), 4),
            "box": [int(v) for v in self.box],
        }


@dataclass
class Reading:
    """What a card says. ``text`` is None when the reader is not sure (``reason`` says why): a
    guess is never given as an answer. An empty text is a card with nothing written on it."""

    text: str | None = ""
    confidence: float = 0.0  # the product of the digits' calibrated probabilities
    digits: list[Digit] = field(default_factory=list)
    reason: str | None = None
    held: str | None = None  # when unsure: the last text read with confidence, shown greyed

    @property
    def unsure(self) -> bool:
        return self.text is None

    def to_dict(self) -> dict:
        out: dict = {"text": self.text, "confidence": round(float(self.confidence), 4), "unsure": self.unsure}
        if self.unsure:
            out["reason"] = self.reason
            out["last_text"] = self.held
        return out


def unsure(reason: str, digits: list[Digit] | None = None) -> Reading:
    return Reading(None, 0.0, digits or [], reason)


class DigitReader:
    def __init__(self, model: DigitModel, settings: ReaderSettings | None = None):
        self.model = model
        self.settings = settings or ReaderSettings()

    def read(self, roi: np.ndarray) -> Reading:
        grey = roi if roi.ndim == 2 else cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY)
        ink, boxes, doubt = cut_digits(grey, self.settings)
        if not boxes:
            if not doubt and washed_out(grey):
                doubt = WASHED_OUT  # light writing may be clipped to white with the paper
            return unsure(doubt) if doubt else Reading()
        digits, probabilities, scores = self._read_boxes(ink, boxes)
        if doubt == BROKEN_IN_TWO:
            settled = self._one_or_two(ink, boxes, digits, probabilities, scores)
            if settled is not None:
                boxes, digits, probabilities, scores = settled
                doubt = UNEVEN if uneven_sizes(boxes) else None
        found = [
            Digit(int(d), float(p), box, fits)
            for d, p, box, fits in zip(digits, probabilities, boxes, scores, strict=True)
            if p >= self.settings.min_probability
        ]
        if not found:
            return Reading()
        if doubt:
            return unsure(doubt, found)
        weakest = min(range(len(found)), key=lambda i: found[i].probability)
        if found[weakest].probability < self.settings.sure:
            return unsure(f"digit {weakest + 1} is unclear ({found[weakest].probability:.0%} sure)", found)
        doubt = self._two_in_one(ink, boxes) or look_alike(found, self.model.labels, lambda: ink_mask(ink))
        if doubt:
            return unsure(doubt, found)
        text = "".join(str(self.model.labels[d.digit]) for d in found)
        return Reading(text, float(np.prod([d.probability for d in found])), found)

    def _read_boxes(self, ink: np.ndarray, boxes: list[Box]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The digit in each box, how sure the model is of it, and the model's probabilities for
        each box at each fit (boxes x FITS x 10)."""
        # Each digit is also cut out a little smaller and larger: a digit the model knows reads the
        # same at all three sizes, while one it is guessing at (a stranger's hand, a smudge) often
        # does not. Its probability is the least of the three.
        crops = np.stack([mnist_crop(ink, box, fit) for fit in FITS for box in boxes])
        scores = self.model.probabilities(crops).reshape(len(FITS), len(boxes), -1).swapaxes(0, 1)
        digits = scores[:, 0].argmax(axis=1)
        return digits, scores[np.arange(len(boxes)), :, digits].min(axis=1), scores

    def _one_or_two(
        self, ink: np.ndarray, boxes: list[Box], digits: np.ndarray, probabilities: np.ndarray, scores: np.ndarray
    ) -> tuple[list[Box], np.ndarray, np.ndarray, np.ndarray] | None:
        """A thin blob close beside another is a stroke broken off a digit (a 4 drawn in two
        strokes) or a digit of its own (a "1" written close): the model chooses, when it is sure of
        one way only. ``_read_boxes``' three answers so settled, with the boxes, or None when it
        cannot tell."""
        pairs = broken_pairs(boxes)
        if any(second - first == 1 for first, second in itertools.pairwise(pairs)):
            return None  # three blobs in a chain: too many ways to read them
        around = [box_around(boxes[i : i + 2]) for i in pairs]
        one_digit, one_sure, one_scores = self._read_boxes(ink, around)
        settled_boxes, settled_digits, settled_sure = list(boxes), list(digits), list(probabilities)
        settled_scores = list(scores)
        # From the right, so that the pairs to its left keep their places.
        for i, box, digit, sure, fits in reversed(
            list(zip(pairs, around, one_digit, one_sure, one_scores, strict=True))
        ):
            as_two = min(probabilities[i], probabilities[i + 1]) >= self.settings.sure
            # Two blobs as tall as each other are two digits written side by side: a piece of a
            # digit is shorter than the rest of it. (The model read many a "1" beside a digit as a 4.)
            shorter, taller = sorted((boxes[i][3], boxes[i + 1][3]))
            as_one = sure >= self.settings.sure and shorter < AS_TALL * taller
            if as_two == as_one:
                return None
            if as_one:
                settled_boxes[i : i + 2], settled_digits[i : i + 2], settled_sure[i : i + 2] = [box], [digit], [sure]
                settled_scores[i : i + 2] = [fits]
        return settled_boxes, np.array(settled_digits), np.array(settled_sure), np.array(settled_scores)

    def _two_in_one(self, ink: np.ndarray, boxes: list[Box]) -> str | None:
        """Why a wide digit may be two read as one, or None. Cut at its thinnest column, its
        halves read as two digits the model is sure of: two digits written so close that they
        touch. Or, on a blob far wider than tall, either half reads as a digit at all: two digits
        run together. A broad digit's halves are strokes, not digits, and it is read as one
        (cutting such blobs apart instead made up digits)."""
        if not any(wide_enough_to_split(box) for box in boxes):
            return None  # the common case, without thresholding the ink again
        mask = ink_mask(ink)
        for box in boxes:
            parts = halves(mask, box, self.settings)
            if parts is None:
                continue
            sure = self._read_boxes(ink, parts)[1]
            if (sure >= TOUCHING_SURE).all():
                return TWO_TOUCHING
            if box[2] > RUN_TOGETHER_WIDTH * box[3] and (sure >= RUN_TOGETHER_HALF).any():
                return RUN_TOGETHER
        return None


def washed_out(grey: np.ndarray) -> bool:
    """Whether most of the card is at the sensor's white: over-exposed, it shows nothing of a pencil."""
    return bool(np.count_nonzero(grey >= CLIPPED) >= 0.5 * grey.size)


def cut_digits(grey: np.ndarray, settings: ReaderSettings) -> tuple[np.ndarray, list[Box], str | None]:
    """The ink map of a grey card, the boxes of the digits on it, and why they cannot be trusted
    (None when they can): everything the reader does before the model."""
    grey = without_grain(grey)
    covered = cover(grey)
    if covered is None:
        return _cut(grey, ink_map(grey), settings, None)
    sharp = paper_light(grey, sharp=True)
    sharp_ink = ink_against(grey, sharp)
    # Read as if the dark patch were only light: what is left of a shadow's edge (this estimate
    # keeps a step, but smoothed) is darker than the paper on one side only, so no ink.
    light_ink = only_two_sided(grey, sharp_ink)
    light_level = ink_level(light_ink)  # one Otsu threshold, shared by the three tests below
    as_light = _cut(grey, light_ink, settings, None, level=light_level)
    if seen_in_shadow(light_ink, light_level, as_light[1], covered, sharp):
        return as_light
    as_cover = _cut(grey, ink_map(grey), settings, covered, sharp_ink)
    if as_cover[2] not in (None, BROKEN_IN_TWO) and _clear_of_the_patch(
        grey, as_light, light_level, covered, sharp_ink
    ):
        return as_light
    return as_cover


def _cut(
    grey: np.ndarray,
    ink: np.ndarray,
    settings: ReaderSettings,
    covered: Cover | None,
    sharp_ink: np.ndarray | None = None,
    level: float | None = None,
) -> tuple[np.ndarray, list[Box], str | None]:
    """``cut_digits`` on the ink map ``ink``; ``sharp_ink`` is the ink against the paper's light
    with its sharp steps kept, given with ``covered``; ``level`` is ``ink``'s ink level, when known."""
    if level is None:
        level = ink_level(ink)
    mask = solid_strokes(grey, ink, ink_mask(ink, level))
    if covered is not None:
        mask = without_edge_ring(grey, ink, mask, covered, level)
    boxes, doubt = segment(mask, grey.shape, settings, covered)
    if doubt == NEITHER and covered is None:
        # The marks may be what is left of a shadow's edge too faint to be found as a patch.
        stepless = without_steps(grey, ink, mask, boxes, level, settings.min_ink_pixels)
        if stepless is not None and (again := segment(stepless, grey.shape, settings))[0] == boxes:
            boxes, doubt = again
    # A faint mark or a stroke running under a hand is a doubt the model cannot settle; a digit
    # broken in two is one it may.
    if doubt in (None, BROKEN_IN_TWO):
        if covered is not None and sharp_ink is not None and strokes_run_under(grey, sharp_ink, mask, covered, level):
            doubt = COVERS
        elif _a_faint_mark(grey, ink, boxes, settings, level, covered):
            doubt = "a faint mark may be a digit"
    return ink, boxes, doubt


def _a_faint_mark(
    grey: np.ndarray, ink: np.ndarray, boxes: list[Box], settings: ReaderSettings, level: float, covered: Cover | None
) -> bool:
    """Whether a faint mark as tall as a digit lies apart from the digits read, and it is ink:
    darker than the paper on both sides. What is left of a hard shadow's edge across the card is
    darker on one side only; a pencil's faint digit is not."""
    washed = washed_out(grey)
    if not faint_marks(ink, boxes, settings, level, covered, washed):
        return False  # the common case, without the two-sided measure's cost
    return faint_marks(only_two_sided(grey, ink), boxes, settings, level, covered, washed)


def _clear_of_the_patch(
    grey: np.ndarray,
    as_light: tuple[np.ndarray, list[Box], str | None],
    level: float,
    covered: Cover,
    sharp_ink: np.ndarray,
) -> bool:
    """Whether the card read ``as_light`` has digits and no doubt, and no stroke of them runs into
    the dark patch ``covered``: then nothing shows a digit under it, and the patch, though no
    digit shows inside it, was only a doubt for the digits beside its edge. A shadow's edge near
    a digit cut that digit's strokes where they crossed the edge's ring; read as light, the digit
    is whole. ``level`` is the ink level of ``as_light``'s ink; ``sharp_ink`` is the ink against
    the paper's light with its sharp steps kept."""
    ink, boxes, doubt = as_light
    if doubt is not None or not boxes or room_for_a_digit(boxes, covered.patch):
        return False
    return not strokes_run_under(grey, sharp_ink, ink_mask(ink, level), covered, level)


def ink_map(grey: np.ndarray) -> np.ndarray:
    """How much darker than the paper each pixel is (0-255, ink bright), with uneven light removed:
    the picture divided by ``paper_light``'s estimate of the paper."""
    return ink_against(grey, paper_light(grey))


def paper_light(grey: np.ndarray, sharp: bool = False) -> np.ndarray:
    """The paper's brightness at each pixel, as if nothing were written on it: a closing larger than
    any stroke (so strokes vanish from it), smoothed. A closing keeps a step in the light where it
    is; ``sharp`` keeps it there (at full size, smoothed by a median), so a hard shadow's edge
    leaves no ring of "ink" along it, at several times the cost (docs/benchmarks.md)."""
    height, width = grey.shape[:2]
    # The paper is smooth by construction (closed, then blurred), so it is estimated at a quarter of
    # the size and scaled back: the same flattening for a fifth of the time.
    step = 4 if height >= 64 and width >= 64 and not sharp else 1
    small = cv2.resize(grey, (width // step, height // step), interpolation=cv2.INTER_AREA) if step > 1 else grey
    # A stroke wider than the closing survives in the paper and its middle reads as paper (a fat
    # "1" becomes a "0"). A larger closing was tried: it filled the holes of blurred 8s and 6s.
    size = max(3, (small.shape[0] // 6) | 1)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    paper = cv2.medianBlur(paper, 5) if sharp else cv2.GaussianBlur(paper, (0, 0), size / 4)
    if step > 1:
        paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    return paper


def ink_level(ink: np.ndarray) -> float:
    """The ink map's level between paper and ink: Otsu's, with a floor so blank paper stays blank."""
    level, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return max(float(level), 40.0)


def ink_mask(ink: np.ndarray, level: float | None = None) -> np.ndarray:
    """Binary ink: the flattened image above ``level`` (``ink_level``'s when not given), and the
    fainter ink that joins it."""
    level = ink_level(ink) if level is None else level
    _, mask = cv2.threshold(ink, level, 255, cv2.THRESH_BINARY)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    # A stroke thinned by blur fades in the middle and breaks at the level: fainter ink joined to
    # ink above the level is kept, so the digit stays whole.
    count, labels = cv2.connectedComponents((ink > HYSTERESIS * level).astype(np.uint8), connectivity=8)
    joined = np.zeros(count, np.uint8)
    joined[labels[mask > 0]] = 255
    joined[0] = 0
    return np.take(joined, np.asarray(labels, np.int32))  # a lookup: faster than indexing with the labels


def solid_strokes(grey: np.ndarray, ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mask with the holes filled that are as dark as the ink around them, and ``ink`` (in
    place) as strong there as the strokes.

    A marker's stroke wider than ``ink_map``'s paper estimate survives in that estimate, so its
    middle reads as paper: a fat "1" becomes a "0". In the picture itself such a hole is as dark
    as the stroke, where the hole of a real 0, even blurred, is lighter.
    """
    # The paper reachable from the border (padded, so all of it joins) is no hole.
    outside = np.pad((mask == 0).astype(np.uint8), 1, constant_values=1)
    cv2.floodFill(outside, None, (0, 0), 0)
    holes = outside[1:-1, 1:-1]
    strokes = mask > 0
    around = grey[::2, ::2][~strokes[::2, ::2]]  # every other pixel each way: the same median, faster
    if not holes.any() or around.size == 0:
        return mask
    (paper,) = grey_percentiles(around, (0.5,))
    (stroke,) = grey_percentiles(grey[strokes], (0.5,))
    count, labels = cv2.connectedComponents(holes, connectivity=4)
    inside = holes > 0
    ids = labels[inside]
    shade = np.bincount(ids, grey[inside], count) / np.maximum(np.bincount(ids, minlength=count), 1)
    fill = paper - shade >= SOLID * (paper - stroke)
    fill[0] = False  # label 0: all that is not a hole
    if fill.any():
        filled = fill[labels]
        mask[filled] = 255
        ink[filled] = np.maximum(ink[filled], np.uint8(grey_percentiles(ink[strokes], (0.5,))[0]))
    return mask


def mnist_crop(ink: np.ndarray, box: tuple[int, int, int, int], fit: int = 20) -> np.ndarray:
    """MNIST's own normalisation: fit into ``fit`` x ``fit`` (MNIST's 20) keeping the aspect ratio,
    then shift so the centre of mass sits at the centre of the 28x28 image."""
    x, y, w, h = box
    patch = ink[y : y + h, x : x + w]
    scale = fit / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(patch, size, interpolation=cv2.INTER_AREA)
    out = np.zeros((28, 28), np.uint8)
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = small
    moments = cv2.moments(out, binaryImage=False)
    if moments["m00"] > 0:
        cx, cy = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
        shift = np.array([[1, 0, 14 - cx], [0, 1, 14 - cy]], dtype=np.float32)
        return np.asarray(cv2.warpAffine(out, shift, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0))
    return out
