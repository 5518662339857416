"""Whether a dark patch on a card (``segment.cover``) is a shadow or may be a hand.

A shadow is only light: a digit shows inside it, and the card is read with light that keeps
the shadow's sharp step. An opaque hand hides what is under it. A patch with no digit inside
it cannot be told either way by itself; the reader then takes it for light only where nothing
could be hidden under it (``room_for_a_digit``) and no stroke runs into its edge.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from edgecam.edge.digits.ranks import grey_percentiles
from edgecam.edge.digits.segment import SHADED, Box, Cover

SEEN_IN_SHADOW = 0.2  # of a digit's ink inside shaded paper: the dark patch is a shadow, not a hand
HIDDEN_WIDTH = 0.5  # of a digit's height: the least width of a digit a hand may hide (not a 1)
HIDDEN_UNDER = 0.5  # of a place beside the digits inside a dark patch: a digit may be hidden there


def seen_in_shadow(ink: np.ndarray, level: float, boxes: list[Box], covered: Cover, paper: np.ndarray) -> bool:
    """Whether a digit read with light that keeps a shadow's sharp step (``ink``, its ink level
    ``level``, its digits' ``boxes``) shows inside the dark patch ``covered``: then the patch is a
    shadow, only light, and the digit is on paper shaded too. An opaque hand shows no digit inside
    (the half of a digit beside it is ink, not shaded paper). ``paper`` is the sharp estimate of
    the paper's light."""
    (lit,) = grey_percentiles(paper, (0.9,))
    shaded = ((paper < SHADED * lit) & (covered.patch > 0)).astype(np.uint8)
    # Inside the patch by a pixel, not more: with its edge no ink, a stroke that goes on past the
    # edge into the shade shows the patch is light.
    deep = cv2.erode(shaded, np.ones((3, 3), np.uint8)) > 0
    # Ink above the level by itself, not joined to it: the shaded paper's own light is not lifted
    # from the half of a digit beside a hand, so that half is no ink against it.
    strong = ink > level
    for x, y, w, h in boxes:
        strokes = strong[y : y + h, x : x + w]
        if np.count_nonzero(strokes & deep[y : y + h, x : x + w]) > SEEN_IN_SHADOW * np.count_nonzero(strokes):
            return True
    return False


def room_for_a_digit(boxes: list[Box], patch: np.ndarray) -> bool:
    """Whether ``patch`` covers most of a place in the row of ``boxes`` where a digit could stand
    unseen: before the first, after the last, or in a gap between two as wide as a digit."""
    top = int(np.median([y for _, y, _, _ in boxes]))
    bottom = int(np.median([y + h for _, y, _, h in boxes]))
    width = max(1, int(np.median([h for _, _, _, h in boxes]) * HIDDEN_WIDTH))
    spacing = max(1, width // 4)
    first, last = boxes[0], boxes[-1]
    places = [
        (first[0] - spacing - width, first[0] - spacing),
        (last[0] + last[2] + spacing, last[0] + last[2] + spacing + width),
    ]
    places += [
        (left[0] + left[2] + spacing, right[0] - spacing)
        for left, right in itertools.pairwise(boxes)
        if right[0] - (left[0] + left[2]) >= width + 2 * spacing
    ]
    for start, end in places:
        start, end = max(start, 0), min(end, patch.shape[1])
        if end - start >= width // 2 and patch[top:bottom, start:end].mean() >= HIDDEN_UNDER:
            return True
    return False
