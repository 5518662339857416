"""Cut the ink of a card into digits, and say when the cut cannot be trusted.

Ink cut by the read area's border may be a digit half in view or an edge smeared in by
blur; a large dark patch reaching in from the border is a hand or a shadow, harmless only
where clear paper lies between it and every digit; digits written so close that they touch
cannot be told apart with confidence. Whatever cannot be trusted makes the reading unsure
rather than a guess.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.boxes import box_around
from edgecam.edge.digits.blobs import blobs
from edgecam.edge.digits.pen_strokes import pen_strokes
from edgecam.edge.digits.ranks import grey_percentiles
from edgecam.edge.digits.sure_level import SURE
from edgecam.edge.digits.swallowed_ends import without_swallowed_ends

Box = tuple[int, int, int, int]
FAINT_SHARE = 0.4  # of the ink level: fainter than this is paper grain, not a pen
FAINT_PART_OF = 2.0  # times a digit's height: a faint mark taller than this in its column is more than it
WIDE_ENOUGH_TO_SPLIT = 1.1  # of its height: a digit this wide may be two that touch (see ``halves``)
PART_OF_TWO = 0.6  # of a wide blob's height: each of two digits that touch is nearly as tall as both
LOOP_AREA = 0.05  # of a digit's box: a hole this large in its ink is a loop, not a pinhole in a stroke
LOOP_PAST = 0.1  # of a digit's width: a loop reaching this far past both sides of a cut is cut across
SHADED = 0.8  # of the lit paper's brightness: darker is a dark patch (a hand, a shadow)
STEP = 0.8  # of the paper just outside a dark patch's edge: the patch inside it is darker, not graded
STEP_BAND = 0.1  # of the (half-size) picture's height: the step holds this far off the patch's edge
PIECE = 0.3  # of a digit's height: two stacked pieces both this tall are a digit broken across
BLOT = 0.25  # of the read area: a dark patch this large is a blot over the writing, not a mark
BROKEN_OFF = (0.15, 0.45)  # of a digit's height: a piece of its stroke broken off beside it (a speck is less)
RUNS_OFF = "ink runs off the edge of the read area"
COVERS = "something covers part of the card"
BROKEN_IN_TWO = "a digit may be broken in two"
UNEVEN = "digits of very different sizes"
OUT_OF_LINE = "marks out of line: a digit may be in pieces"
NEITHER = "marks that are neither digits nor specks"


@dataclass
class ReaderSettings:
    min_height: float = 0.18  # a digit is at least this share of the ROI's height
    max_height: float = 0.98
    min_ink_pixels: int = 12
    min_probability: float = 0.0  # digits below this are left out of the text
    sure: float = SURE  # a digit less probable than this (calibrated) makes the card unsure


def digit_boxes(mask: np.ndarray, shape: tuple[int, ...], settings: ReaderSettings) -> list[Box]:
    """Boxes of the ink blobs that look like digits, left to right."""
    return segment(mask, shape, settings)[0]


@dataclass
class Cover:
    """What ``cover`` found: the patch, the patch grown by the gap a digit must keep from it, and
    the patch shrunk by that gap (its edge's ring of "ink" lies between the two)."""

    patch: np.ndarray
    near: np.ndarray
    inside: np.ndarray


def clearance(height: int) -> int:
    """The gap (5 % of the read area's height) a digit must keep from a hand or a shadow."""
    return max(2, round(0.05 * height))


def cover(grey: np.ndarray) -> Cover | None:
    """Where something large and dark reaches in from the border (a thumb, a hard shadow), or None.

    The ink map flattens light, so such a patch shows there only as a ring of "ink" along its
    edge; here it is found whole: darker than the paper, wider than any pen stroke, and with
    a step in brightness along its edge that holds a band off it, on paper, not only round ink
    (light falling off across the card is as dark, but grades).
    """
    full = grey.shape[1], grey.shape[0]
    # Nothing narrower than a pen stroke counts, so half the size sees it as well, four times faster.
    grey = cv2.resize(grey, (max(1, full[0] // 2), max(1, full[1] // 2)), interpolation=cv2.INTER_AREA)
    height, width = grey.shape[:2]
    (paper,) = grey_percentiles(grey, (0.9,))
    size = max(3, round(0.12 * height)) | 1
    wide = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    dark = cv2.morphologyEx((grey < SHADED * paper).astype(np.uint8), cv2.MORPH_OPEN, wide)
    count, labels, stats = blobs(dark)
    if count <= 1:
        return None
    found = np.zeros(grey.shape[:2], np.uint8)
    band = max(2, round(STEP_BAND * height))
    ink = None
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if not (x == 0 or y == 0 or x + w == width or y + h == height) or area < 2 * size * size:
            continue
        region = (labels == index).astype(np.uint8)
        # A step in brightness all along its edge: light falling off across the card only grades.
        if not _darker_inside(grey, region, 2):
            continue
        # And still a band's width off the edge, the pen's strokes left out: the dark end of a
        # gradient with digits in it steps only where its edge runs round their ink.
        ink = pen_strokes(grey, paper) if ink is None else ink
        if _darker_inside(grey, region, band, ink == 0):
            found[region > 0] = 1
    if ink is None or not found.any():
        return None
    found = without_swallowed_ends(found, ink)
    patch = cv2.resize(found, full, interpolation=cv2.INTER_NEAREST)
    gap = clearance(full[1])
    clear = np.ones((2 * gap + 1, 2 * gap + 1), np.uint8)
    return Cover(patch, cv2.dilate(patch, clear), cv2.erode(patch, clear))


def _darker_inside(grey: np.ndarray, region: np.ndarray, depth: int, where: np.ndarray | None = None) -> bool:
    """Whether ``grey`` in the band ``depth`` pixels deep inside ``region``'s edge is under
    ``STEP`` of it in the band as deep outside (counting only ``where``, when given)."""
    grown = np.ones((2 * depth + 1, 2 * depth + 1), np.uint8)
    inside, outside = (region - cv2.erode(region, grown)) > 0, (cv2.dilate(region, grown) - region) > 0
    if where is not None:
        inside, outside = inside & where, outside & where
    if not inside.any() or not outside.any():
        return False
    return bool(np.median(grey[inside]) < STEP * np.median(grey[outside]))


def segment(
    mask: np.ndarray, shape: tuple[int, ...], settings: ReaderSettings, covered: Cover | None = None
) -> tuple[list[Box], str | None]:
    """The digit boxes, and why they cannot be trusted (None when they can). ``covered`` is
    ``cover``'s answer: its edge is no ink, and a digit near it may be partly under it."""
    height, width = shape[:2]
    gap = clearance(height)
    if covered is not None:  # its edge is drawn as ink: take that ring out (and only that: a digit may lie inside)
        mask = mask.copy()
        mask[(covered.near > 0) & (covered.inside == 0)] = 0
    count, _, stats = blobs(mask)
    boxes: list[list[int]] = []
    intrusions: list[list[int]] = []
    doubt = None
    for x, y, w, h, area in stats[1:count]:
        if area < settings.min_ink_pixels:
            continue  # specks of dust and noise
        if w > 0.6 * width and h < 0.15 * height:
            continue  # a ruled line or the card's edge
        if (y == 0 or y + h == height) and h < 0.15 * height and w > 2.5 * h:
            continue  # a line along the top or bottom (the box's, blurred in): no digit is so flat
        if (x == 0 or x + w == width) and w < 0.1 * width and h > 0.85 * height:
            continue  # a line down a side: a digit is never as tall as the read area
        if reaches_in(x, y, w, h, area, (height, width)):
            intrusions.append([int(x), int(y), int(w), int(h)])  # a hand, a shadow, a frame the ROI cut
            continue
        if area > BLOT * width * height:
            doubt = "a large blot covers part of the card"
            continue
        boxes.append([int(x), int(y), int(w), int(h)])
    low, high = settings.min_height * height, settings.max_height * height
    joined, heights = join_overlapping_columns(sorted(boxes))
    kept = [b for b in joined if low <= b[3] <= high]
    if any(low <= b[3] <= high and _dots_or_dashes(b, pieces) for b, pieces in zip(joined, heights, strict=True)):
        doubt = doubt or "a mark in pieces (a dotted line?)"
    if any(b[3] >= 0.1 * height and b[2] * b[3] >= 3 * settings.min_ink_pixels for b in joined if b not in kept):
        doubt = NEITHER  # a digit half rubbed out, a scribble
    if (
        any(_near(box, intrusion, gap) for box in kept for intrusion in intrusions)
        or any(_may_hold_a_digit(intrusion, kept, low) for intrusion in intrusions)
        or (
            covered is not None
            and any(covered.near[y : y + h + gap, max(x - gap, 0) : x + w + gap].any() for x, y, w, h in kept)
        )
    ):
        doubt = doubt or COVERS
    digits = [(x, y, w, h) for x, y, w, h in kept]
    if any(out_of_line(left, right) for left, right in itertools.pairwise(digits)):
        doubt = doubt or OUT_OF_LINE
    # A piece of a digit broken in two is short beside the digits: the reader judges the sizes
    # again once it has settled what the pieces are.
    pairs = broken_pairs(digits)
    if uneven_sizes(digits, {i + side for i in pairs for side in (0, 1)}):
        doubt = doubt or UNEVEN
    if any(x <= 0 or y <= 0 or x + w >= width or y + h >= height for x, y, w, h in digits):
        doubt = doubt or RUNS_OFF
    # Last, so that it stands only when nothing else is in doubt: the reader may settle it.
    if not doubt and pairs:
        doubt = BROKEN_IN_TWO
    return digits, doubt


def reaches_in(x: int, y: int, w: int, h: int, area: int, shape: tuple[int, ...]) -> bool:
    """Whether a blob with box (x, y, w, h) and ``area`` is large and reaches in from the border
    of a read area of ``shape``: a hand, a shadow, a frame the ROI cut."""
    height, width = shape[:2]
    at_border = x == 0 or y == 0 or x + w == width or y + h == height
    return at_border and (w > 0.3 * width or area > 0.1 * width * height)


def out_of_line(left: Box, right: Box) -> bool:
    """Whether two neighbours share less than half the shorter one's rows: digits written in a
    row share most of theirs, while the halves of a slanted 1 broken across stand one above the
    other, beside each other, and read as "11"."""
    shared = min(left[1] + left[3], right[1] + right[3]) - max(left[1], right[1])
    return shared < 0.5 * min(left[3], right[3])


def uneven_sizes(boxes: list[Box], leave_out: set[int] | None = None) -> bool:
    """Whether a digit (other than those at ``leave_out``) is far shorter than the tallest: a
    fragment, a smudge."""
    tallest = max((b[3] for b in boxes), default=0)
    return any(b[3] < 0.6 * tallest for i, b in enumerate(boxes) if i not in (leave_out or set()))


def broken_pairs(boxes: list[Box]) -> list[int]:
    """Where a stroke may have broken off a digit (it reads as a "1" all too easily): a thin blob
    close beside another. The index of the left box of each such pair."""
    tallest = max((b[3] for b in boxes), default=0)
    pairs = []
    for index, (left, right) in enumerate(itertools.pairwise(boxes)):
        thin = min(left[2] / left[3], right[2] / right[3]) < 0.4
        if thin and right[0] - (left[0] + left[2]) < 0.08 * tallest:
            pairs.append(index)
    return pairs


def wide_enough_to_split(box: Box) -> bool:
    """Whether a digit's box is wide enough to be two digits that touch."""
    return box[2] >= WIDE_ENOUGH_TO_SPLIT * box[3]


def halves(mask: np.ndarray, box: Box, settings: ReaderSettings) -> list[Box] | None:
    """A digit wider than tall cut in two at its thinnest column between 30 and 70 % of its
    width: the two parts' boxes, or None when it is not so wide, the cut runs through a loop of
    it, or a part is too small or too short (under ``PART_OF_TWO`` of the blob's height) to be a
    digit of its own: the open arm of a 4 written broad, the top of a slanted 1."""
    if not wide_enough_to_split(box):
        return None
    x, y, w, h = box
    strokes = mask[y : y + h, x : x + w] > 0
    low, high = int(0.3 * w), int(0.7 * w)
    cut = low + int(np.argmin(strokes[:, low:high].sum(axis=0)))
    if _a_loop_across(strokes, cut):
        return None
    parts: list[Box] = []
    for left, right in ((0, cut), (cut, w)):
        ys, xs = np.nonzero(strokes[:, left:right])
        if len(xs) < settings.min_ink_pixels:
            return None
        top, bottom, first, last = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
        if bottom - top + 1 < PART_OF_TWO * h:
            return None
        parts.append((x + left + first, y + top, last - first + 1, bottom - top + 1))
    return parts


def _a_loop_across(strokes: np.ndarray, cut: int) -> bool:
    """Whether a hole in ``strokes`` (a digit's ink, cut out to its box) reaches well past column
    ``cut`` on both sides: a 0 or an 8 written wide, cut across its loop, is one digit's two
    halves, which the model may read as two digits it is sure of. Two digits that touch keep
    their holes to their own sides of where they touch."""
    height, width = strokes.shape
    count, _, stats = blobs((~strokes).astype(np.uint8))
    for x, y, w, h, area in stats[1:count]:
        enclosed = x > 0 and y > 0 and x + w < width and y + h < height
        if (
            enclosed
            and area >= LOOP_AREA * width * height
            and x <= cut - LOOP_PAST * width
            and x + w >= cut + LOOP_PAST * width
        ):
            return True
    return False


def faint_marks(
    ink: np.ndarray,
    boxes: list[Box],
    settings: ReaderSettings,
    level: float,
    covered: Cover | None = None,
    washed: bool = False,
) -> bool:
    """Whether a mark as tall as a digit shows only faintly, below the ink ``level``, away from
    the digits read: a thin pen next to a bold one, or a stroke the light washed out. Left out,
    it would drop a digit from the text with no doubt at all. The soft edge of what ``covered``
    marks (a hand, a shadow) is no such mark. On paper ``washed`` out to white (no grain left to
    make marks of) a stroke in specks counts beside read digits too."""
    faint = (ink > FAINT_SHARE * level).astype(np.uint8)
    if covered is not None:
        faint[covered.near > 0] = 0
    if _a_digit_tall_mark_apart(faint, boxes, settings):
        return True
    # Nothing was read: a card is blank only if no faint stroke is there either. A pencil's grain,
    # washed out, leaves a stroke in specks a pixel apart: bridge them. (Not beside read digits,
    # unless the paper is washed out: bridged grain there made digit-tall marks out of its texture.)
    return (not boxes or washed) and _a_digit_tall_mark_apart(
        cv2.dilate(faint, np.ones((3, 3), np.uint8)), boxes, settings
    )


def _a_digit_tall_mark_apart(marks: np.ndarray, boxes: list[Box], settings: ReaderSettings) -> bool:
    """Whether one of ``marks`` is as tall as a digit, clear of the border, outside every box."""
    height, width = marks.shape[:2]
    count, _, stats = blobs(marks)
    # A faint mask of grainy paper holds hundreds of specks: judged all at once, not one by one.
    x, y, w, h, area = stats[1:count].T
    tall = (h >= settings.min_height * height) & (h <= settings.max_height * height) & (area >= settings.min_ink_pixels)
    # What reaches the border is the card's edge or a shadow, blurred in: segment() judges it.
    inside = (x > 0) & (y > 0) & (x + w < width) & (y + h < height)
    centres, heights = (x + w / 2)[tall & inside], h[tall & inside]
    read = np.zeros(len(centres), bool)
    for bx, _, bw, bh in boxes:
        # A faint mark far taller than the digit read in its column holds more than that digit: the
        # digit is the one dark piece of a stroke the light washed out (a 0's bottom read as a 1).
        read |= (bx <= centres) & (centres <= bx + bw) & (heights <= FAINT_PART_OF * bh)
    return bool((~read).any())


def _may_hold_a_digit(intrusion: list[int], digits: list[list[int]], low: float) -> bool:
    """Whether ink reaching in from the border is as tall as a digit and level with the digits
    read, or with nothing else read: a digit joined to a shadow's edge (or a frame's) reaches the
    border with it, and a card whose only digit is so joined is no blank card."""
    _, y, _, h = intrusion
    return h >= low and (not digits or any(min(y + h, dy + dh) - max(y, dy) >= 0.5 * dh for _, dy, _, dh in digits))


def _near(box: list[int], other: list[int], gap: int) -> bool:
    return (
        box[0] - gap < other[0] + other[2]
        and other[0] - gap < box[0] + box[2]
        and box[1] - gap < other[1] + other[3]
        and other[1] - gap < box[1] + box[3]
    )


def _flag_of(mark: list[int], digit: list[int]) -> bool:
    """Whether ``mark`` is a bar drawn apart from ``digit``'s top, as many write a 5's: short and
    flat, high on the digit, its columns meeting the digit's. A colon's dots are not flat."""
    x, y, w, h = mark
    dx, dy, dw, dh = digit
    return h < 0.45 * dh and w > 1.2 * h and y + h <= dy + 0.5 * dh and x <= dx + dw and dx <= x + w


def _broken_off(piece: list[int], digit: list[int], overlap: int) -> bool:
    """Whether ``piece`` is a bit of ``digit``'s stroke that a thin place broke off: far shorter
    than the digit, level with it (within its rows), and reaching over its side by a good part of
    its own width. A mark of its own beside a digit stands clear of the digit's columns. A speck
    is no doubt where it is, and taken into a digit it would make one piece more of it."""
    _, y, w, h = piece
    low, high = BROKEN_OFF
    level = digit[1] <= y and y + h <= digit[1] + digit[3]
    return low * digit[3] <= h < high * digit[3] and overlap > 0.3 * w and level


def _dots_or_dashes(box: list[int], heights: list[int]) -> bool:
    """Whether blobs of ``heights`` stacked in ``box`` are dots or dashes (a colon, a dotted line),
    which the model may call a "1", rather than one digit. A 5 or a 4 takes two strokes, not
    three, and one of them spans most of the digit; a digit broken across (a pencil's stroke
    gone faint) is two pieces each a good part of it, and the model reads it whole."""
    if len(heights) >= 3:
        return True
    return len(heights) == 2 and max(heights) < 0.55 * box[3] and min(heights) < PIECE * box[3]


def join_overlapping_columns(boxes: list[list[int]]) -> tuple[list[list[int]], list[list[int]]]:
    """A 5's flag or a 4 drawn in two strokes are separate blobs stacked in one column (or, for the
    flag, beside the top of the body): join them.
    The joined boxes, and the heights of the blobs each was made of."""
    joined: list[list[int]] = []
    heights: list[list[int]] = []
    for box in boxes:
        if joined:
            last = joined[-1]
            overlap = min(last[0] + last[2], box[0] + box[2]) - max(last[0], box[0])
            if (
                overlap > 0.5 * min(last[2], box[2])
                or _flag_of(box, last)
                or _flag_of(last, box)
                or _broken_off(box, last, overlap)
                or _broken_off(last, box, overlap)
            ):
                joined[-1] = list(box_around([last, box]))
                heights[-1].append(box[3])
                continue
        joined.append(box)
        heights.append([box[3]])
    return joined, heights
