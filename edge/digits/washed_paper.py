"""Writing on paper washed out to white: a card whose edge the picture does not show.

Over-exposed, a pale card on a pale desk clips to the sensor's white with the desk, and its
outline is gone: no search by brightness, outline or sides can find it, though its writing shows
plainly. Such a row of writing (``writing_windows``) is read where it is, in a box just round its
ink, when the picture round it is white but for strokes beside it, which are taken in. Nothing
else then lies where it is read, and no other writing is near enough to have been on the same
card.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits import card_layout as layout

WHITE = 245  # grey levels, a pixel's blur away from the sensor's white: paper and desk washed out
DARK = 200  # grey levels: a stroke darker than this somewhere is ink; one that never is, a washed-out pen
SPECK = 12  # pixels: a patch this small outside the writing is grain or dust, not a stroke
MARGIN = 0.5  # of the row's height: the box read reaches this far past the row's ink on each side
# How far round the writing must be white: this many times its height across, and down.
REACH_ACROSS, REACH_DOWN = 1.5, 1.2
STROKES_MOST = 1.5  # of the writing's height: a darker thing beside it larger than this is no digit
ROUNDS = 4  # strokes beside the row are taken in, and the picture round them looked at again


def washed_quad(grey: np.ndarray, row: np.ndarray) -> np.ndarray | None:
    """A box (4 x 2, clockwise from the top left) round ``row`` (the corners of the box round a
    row of writing, as ``writing_windows.windows`` gives them, in ``grey``'s pixels) and the
    strokes beside it, if the picture round them is white; None otherwise."""
    height, width = grey.shape[:2]
    box = np.concatenate([np.floor(row.min(axis=0)), np.ceil(row.max(axis=0))]).astype(int)  # x0, y0, x1, y1
    for _ in range(ROUNDS):
        tall = box[3] - box[1]
        across, down = REACH_ACROSS * tall, REACH_DOWN * tall
        x0, y0 = max(int(box[0] - across), 0), max(int(box[1] - down), 0)
        x1, y1 = min(int(box[2] + across), width), min(int(box[3] + down), height)
        # A pixel's blur keeps a thin pen's faint stroke and evens out a noisy sensor's grain.
        inside = cv2.GaussianBlur(grey[y0:y1, x0:x1], (0, 0), 1.0)
        count, labels, stats, _ = cv2.connectedComponentsWithStats((inside < WHITE).astype(np.uint8))
        grown = box.copy()
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            if area <= SPECK:
                continue
            if inside[labels == label].min() >= DARK:
                # Part of a stroke the light washed away (a 7 as its stem, a 9 with half a loop):
                # what is left may read as another digit.
                return None
            x, y = x + x0, y + y0
            if x >= box[0] and y >= box[1] and x + w <= box[2] and y + h <= box[3]:
                continue
            at_border = x == 0 or y == 0 or x + w == width or y + h == height
            if at_border or max(w, h) > STROKES_MOST * tall:
                return None  # a card's edge, the desk, a hand: the writing is not alone on white
            grown = np.array([min(grown[0], x), min(grown[1], y), max(grown[2], x + w), max(grown[3], y + h)])
        if (grown == box).all():
            margin = MARGIN * tall
            lo = np.maximum(box[:2] - margin, 0)
            hi = np.minimum(box[2:] + margin, (width - 1, height - 1))
            return layout.Rect(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])).corners()
        box = grown
    return None


def first_washed(grey: np.ndarray, rows: list[np.ndarray]) -> np.ndarray | None:
    """``washed_quad`` round the first of ``rows`` that has one, or None. (A row searched farther
    round, as ``writing_windows.windows`` may give it again, is looked at once.)"""
    tried: list[np.ndarray] = []
    for row in rows:
        if not any(np.array_equal(row, seen) for seen in tried):
            tried.append(row)
            quad = washed_quad(grey, row)
            if quad is not None:
                return quad
    return None
