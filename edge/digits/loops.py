"""A digit's loops, and the 8 that has only one of its two.

An 8 has two loops, one above the other; a 6 has one below and a 9 one above. A 6 written bold,
whose top curls down onto its loop, or a 9 whose tail bends back under it, reads as an 8 to the
model, which is then nearly sure of it and sees the real digit only faintly. Its ink still shows a
single loop: such an 8 is read as unsure when the model also sees the digit with that loop
(``look_alikes.py``).
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.segment import LOOP_AREA

UPPER = 0.45  # of a digit's height: a loop centred above this is an upper loop (an 8's or a 9's)


def loop_centres(strokes: np.ndarray) -> list[float]:
    """The heights of the loops in ``strokes`` (a digit's ink, cut out to its box), each as a share
    of the box's height from its top. A loop is a hole in the ink that touches no side of the box;
    its background is 4-connected, since ink that steps diagonally still closes it."""
    height, width = strokes.shape
    count, _, stats, centres = cv2.connectedComponentsWithStats((strokes == 0).astype(np.uint8), connectivity=4)
    found = []
    for (x, y, w, h, area), (_, centre_y) in zip(stats[1:count], centres[1:count], strict=True):
        enclosed = x > 0 and y > 0 and x + w < width and y + h < height
        if enclosed and area >= LOOP_AREA * width * height:
            found.append(float(centre_y) / height)
    return found


def one_loop_digit(strokes: np.ndarray) -> str | None:
    """For a digit read as 8: the digit its ink's loops make instead ("6" for one loop below, "9" for
    one above), or None when it shows two loops, or none (a blurred 8 often fills both in)."""
    centres = loop_centres(strokes)
    upper = [c for c in centres if c < UPPER]
    lower = [c for c in centres if c >= UPPER]
    if lower and not upper:
        return "6"
    if upper and not lower:
        return "9"
    return None
