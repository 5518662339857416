"""Where the pen's strokes lie on a card: what is narrower than a stroke's span and darker than
the paper that closes over it (a black-hat), with the blurred rims around it. A hand or a shadow
is wider than any stroke, so it is no stroke here, however dark."""

from __future__ import annotations

import cv2
import numpy as np

STROKE_SPAN = 0.09  # of the picture's height: wider than a pen stroke (a black-hat this wide finds strokes)
INK_STEP = 0.1  # of the paper's brightness: a stroke is at least this much darker than what closes over it


def pen_strokes(grey: np.ndarray, paper: float) -> np.ndarray:
    """A 0/1 mask of the strokes on ``grey`` (its lit paper ``paper`` bright) and their rims,
    which are as dark as a hand but no stroke's core."""
    span = max(5, round(STROKE_SPAN * grey.shape[0]) | 1)
    strokes = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, np.ones((span, span), np.uint8)) > INK_STEP * paper
    return cv2.dilate(strokes.astype(np.uint8), np.ones((3, 3), np.uint8))
