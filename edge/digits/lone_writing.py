"""Writing read where it is, in a box just round its ink, when no card is found round it.

Over-exposed, a pale card on a pale desk clips to the sensor's white with the desk and its outline
is gone; on a desk as bright as the card, in light that leaves part of the card in shade, its
outline shows only in part. Its writing shows plainly all the same. Such a row of writing
(``writing_windows``) is read where it is when nothing else lies near it, so that no other writing
near enough to have been on the same card is left out:

- on white: everything round it is the sensor's white but strokes beside it, which are taken in;
- else, when it is not small, on paper of any shade: no pen stroke (a line darker than the paper
  round it) lies near but those taken in, and nothing much darker than the writing's paper (a
  hand, a frame, a dark desk) is in reach. Shade, a shadow's edge and a pale desk's broad
  pattern are no strokes.

Either way the marks must look like writing, not a thing left on a bare desk (a coin, a pen, a
key), which the model would read as a 0, a 1 or a 7.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from edgecam.edge.digits import card_layout as layout
from edgecam.edge.digits.segment import out_of_line

Box = tuple[int, int, int, int]  # x, y, w, h in the picture's pixels

WHITE = 245  # grey levels, a pixel's blur away from the sensor's white: paper and desk washed out
DARK = 200  # grey levels: a stroke darker than this somewhere is ink; one that never is, a washed-out pen
SPECK = 12  # pixels: a patch this small outside the writing is grain or dust, not a stroke
MARGIN = 0.5  # of the row's height: the box read reaches this far past the row's ink on each side
# How far round the writing must be clear: this many times its height across, and down.
REACH_ACROSS, REACH_DOWN = 1.5, 1.2
STROKES_MOST = 1.5  # of the writing's height: a darker thing beside it larger than this is no digit
ROUNDS = 4  # strokes beside the row are taken in, and the picture round them looked at again
# Of the picture's height: on shaded paper, with no edge of the card in sight, a row lower than this
# is more often a fragment of the number, or print on something beside it, than the number.
ROW_LEAST = 0.08
INK = 0.8  # on shaded paper, a stroke is darker than this share of the paper round it
PEN_MOST = 0.35  # of the writing's height: the paper is the picture with darker lines narrower than this filled in
COVER = 0.55  # of the writing's paper: paper darker than this in reach is something else (a hand, the desk)
PAPER_ROW = 32  # pixels: the row's height in the picture the paper is found on
DARK_PAPER = 40  # grey levels: "paper" darker than this is a dark desk or a dark room, not a card
CRUMB = 0.25  # of the writing's height: a pale patch shorter and narrower than this is no stroke
# Of the writing's height: a pale patch with room for a disc this wide is broader than any pen's
# stroke (a bold pen's is about a fifth of its digits' height): the desk's pale print or shade.
BROAD = 0.3
# A mark whose ink fills this share of the rectangle round it, this many times as long as wide, is
# a straight bar: with no card in sight, a pen on the desk as likely as a 1.
BAR_FILL, BAR_LONG = 0.75, 3.0
THICK_MOST = 0.4  # of the row's height: ink thicker than this is no pen's stroke (a coin, a key's head)
SPECK_SIDE = 0.06  # of the writing's height: on shaded paper, a patch within a square this wide is grain

NOT_ALONE = "not alone"  # something beside the writing: a card's edge, the desk, a hand
WASHED = "washed"  # a stroke the light half washed away: what is left may read as another digit

# The marks in a window (x, y, w, h) of the picture round a row's box (x0, y0, x1, y1).
Marks = Callable[[np.ndarray, Box, np.ndarray], "list[Box] | str"]


def lone_quad(grey: np.ndarray, rows: list[np.ndarray]) -> np.ndarray | None:
    """A box (4 x 2, clockwise from the top left) round the first of ``rows`` (the corners of the
    box round a row of writing, as ``writing_windows.windows`` gives them, in ``grey``'s pixels)
    that is writing alone on white, or else on its paper, and the strokes beside it; or None."""
    tried: list[np.ndarray] = []
    for row in rows:
        if any(np.array_equal(row, seen) for seen in tried):
            continue  # a row searched farther round, as ``windows`` may give it again
        tried.append(row)
        for marks in (white_marks, paper_marks):
            if marks is paper_marks and np.ptp(row[:, 1]) < ROW_LEAST * grey.shape[0]:
                break
            found = box_round(grey, row, marks)
            if found == WASHED:
                break
            if isinstance(found, str):
                continue
            box, inside = found
            if not _writing(grey, box, inside, one_mark=marks is white_marks):
                break  # another way round would find the same ink
            tall = box[3] - box[1]
            lo = np.maximum(box[:2] - MARGIN * tall, 0)
            hi = np.minimum(box[2:] + MARGIN * tall, (grey.shape[1] - 1, grey.shape[0] - 1))
            return layout.Rect(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])).corners()
    return None


def box_round(grey: np.ndarray, row: np.ndarray, marks: Marks) -> tuple[np.ndarray, list[Box]] | str:
    """The box (x0, y0, x1, y1) round ``row`` and the strokes ``marks`` finds beside it, taken in
    round by round, and the marks inside it; or why there is none (``NOT_ALONE``, ``WASHED``)."""
    height, width = grey.shape[:2]
    box = np.concatenate([np.floor(row.min(axis=0)), np.ceil(row.max(axis=0))]).astype(int)
    for _ in range(ROUNDS):
        tall = int(box[3] - box[1])
        across, down = REACH_ACROSS * tall, REACH_DOWN * tall
        x0, y0 = max(int(box[0] - across), 0), max(int(box[1] - down), 0)
        x1, y1 = min(int(box[2] + across), width), min(int(box[3] + down), height)
        found = marks(grey, (x0, y0, x1 - x0, y1 - y0), box)
        if isinstance(found, str):
            return found
        grown = box.copy()
        row_box = (int(box[0]), int(box[1]), int(box[2] - box[0]), tall)
        for x, y, w, h in found:
            if _within((x, y, w, h), box):
                continue
            at_border = x == 0 or y == 0 or x + w == width or y + h == height
            # A taken-in stroke shares half its rows with the row, as a digit of the number does:
            # a line of writing above or below it is a page of print, a note.
            if at_border or max(w, h) > STROKES_MOST * tall or out_of_line((x, y, w, h), row_box):
                return NOT_ALONE
            grown = np.array([min(grown[0], x), min(grown[1], y), max(grown[2], x + w), max(grown[3], y + h)])
        if (grown == box).all():
            return box, [mark for mark in found if _within(mark, box)]
        box = grown
    return NOT_ALONE


def _within(mark: Box, box: np.ndarray) -> bool:
    x, y, w, h = mark
    return bool(x >= box[0] and y >= box[1] and x + w <= box[2] and y + h <= box[3])


def _writing(grey: np.ndarray, box: np.ndarray, marks: list[Box], one_mark: bool) -> bool:
    """Whether the ``marks`` in ``box`` may be a card's writing, not a thing on the desk: no ink
    thicker than a pen's stroke (a coin, a key's head), not one straight bar (a pen, a key's blade),
    and, unless ``one_mark``, more than one mark."""
    if len(marks) < (1 if one_mark else 2):
        return False
    x0, y0, x1, y1 = (int(v) for v in box)
    _, ink = cv2.threshold(grey[y0:y1, x0:x1], 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    inner = cv2.distanceTransform(np.pad(ink, 1), cv2.DIST_L2, 3)
    if 2 * float(inner.max()) > THICK_MOST * (y1 - y0):
        return False
    return len(marks) > 1 or not _a_bar(grey, marks[0])


def _a_bar(grey: np.ndarray, mark: Box) -> bool:
    """Whether ``mark`` is one straight bar: its ink fills most of the thin rectangle round it."""
    x, y, w, h = mark
    _, ink = cv2.threshold(grey[y : y + h, x : x + w], 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    points = cv2.findNonZero(ink)
    if points is None:
        return False
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    short, long = sorted((max(side_a, 1.0), max(side_b, 1.0)))
    return long >= BAR_LONG * short and len(points) >= BAR_FILL * short * long


def white_marks(grey: np.ndarray, window: Box, box: np.ndarray) -> list[Box] | str:
    """Everything in ``window`` of ``grey`` short of the sensor's white, but specks and the desk's
    pale patches. A patch is judged whole, as far as the writing's height past the window: cut by
    the window's side, a broad one is a sliver."""
    height, width = grey.shape[:2]
    x0, y0, w, h = window
    tall = int(box[3] - box[1])
    ex0, ey0 = max(x0 - tall, 0), max(y0 - tall, 0)
    ex1, ey1 = min(x0 + w + tall, width), min(y0 + h + tall, height)
    # A pixel's blur keeps a thin pen's faint stroke and evens out a noisy sensor's grain.
    around = cv2.GaussianBlur(grey[ey0:ey1, ex0:ex1], (0, 0), 1.0)
    _, labels, stats, _ = cv2.connectedComponentsWithStats((around < WHITE).astype(np.uint8))
    inside = around[y0 - ey0 : y0 - ey0 + h, x0 - ex0 : x0 - ex0 + w]
    labels_inside = labels[y0 - ey0 : y0 - ey0 + h, x0 - ex0 : x0 - ex0 + w]
    found = []
    for label in np.unique(labels_inside[labels_inside > 0]):
        ys, xs = np.nonzero(labels_inside == label)
        if len(ys) <= SPECK:
            continue
        if inside[ys, xs].min() >= DARK:
            x, y, bw, bh = (int(v) for v in stats[label, :4])
            if max(bw, bh) < CRUMB * tall or _broad(labels[y : y + bh, x : x + bw] == label, tall):
                continue  # a pale crumb or a broad pale patch of the desk: no stroke
            if y + ey0 >= box[3] or y + ey0 + bh <= box[1]:
                continue  # wholly above or below the writing: no part of its digits
            return WASHED  # a 7 as its stem, a 9 with half a loop
        left, top = int(xs.min()), int(ys.min())
        found.append((left + x0, top + y0, int(xs.max()) - left + 1, int(ys.max()) - top + 1))
    return found


def _broad(patch: np.ndarray, tall: int) -> bool:
    """Whether ``patch`` (a boolean mask) holds a disc ``BROAD`` times ``tall`` across."""
    if min(patch.shape) < BROAD * tall:
        return False  # the common case, without the distance transform's cost
    inner = cv2.distanceTransform(np.pad(patch, 1).astype(np.uint8), cv2.DIST_L2, 3)
    return 2 * float(inner.max()) >= BROAD * tall


def paper_marks(grey: np.ndarray, window: Box, box: np.ndarray) -> list[Box] | str:
    """The pen strokes in ``window`` of ``grey``, but specks, when nothing in it is much darker
    than the paper round the writing (in ``box``)."""
    x0, y0, w, h = window
    tall = int(box[3] - box[1])
    inside = cv2.GaussianBlur(grey[y0 : y0 + h, x0 : x0 + w], (0, 0), 1.0).astype(np.float32)
    # The paper is found on a picture where the row is PAPER_ROW pixels high: a closing's cost
    # grows with its kernel's area, and the paper's light changes slowly.
    scale = min(1.0, PAPER_ROW / tall)
    small = cv2.resize(inside, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else inside
    pen = int(PEN_MOST * tall * scale) | 1
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen)))
    paper = cv2.resize(closed, (w, h), interpolation=cv2.INTER_LINEAR) if scale < 1 else closed
    lit = float(np.median(paper[box[1] - y0 : box[3] - y0, box[0] - x0 : box[2] - x0]))
    if lit < DARK_PAPER or float(paper.min()) < COVER * lit:
        return NOT_ALONE
    _, _, stats, _ = cv2.connectedComponentsWithStats((inside < INK * paper).astype(np.uint8))
    speck = max(SPECK, (SPECK_SIDE * tall) ** 2)
    return [(int(x) + x0, int(y) + y0, int(bw), int(bh)) for x, y, bw, bh, area in stats[1:] if area > speck]
