"""A hand's edge drawn as "ink" a little way inside its patch, taken out where it is no stroke.

``segment`` already drops the ring of "ink" that flat-fielding draws along a dark patch's edge,
from one clearance outside the patch to one inside. The patch is found on a half-size picture and
the smooth paper estimate lags behind its edge, so what is left of that ring often lies a
clearance further in: read as a mark of its own, or as something reaching in beside a digit. A
blanket ring twice as deep erased a bold digit's stroke taken for part of a patch (docs/benchmarks.md,
twenty-ninth pass), so in that band only what is darker than the paper on one side alone goes.
Near a sharp corner of the patch some of it stays: across the corner, diagonally, paper lies on
both sides of it.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.segment import Cover, clearance
from edgecam.edge.digits.two_sided import only_two_sided


def without_edge_ring(grey: np.ndarray, ink: np.ndarray, mask: np.ndarray, covered: Cover, level: float) -> np.ndarray:
    """``mask`` (the card's ink above ``level``) with the pixels taken out that lie one to two
    clearances inside ``covered``'s patch and are not ink on both sides of them."""
    gap = clearance(grey.shape[0])
    inside = cv2.erode(covered.patch, np.ones((2 * gap + 1, 2 * gap + 1), np.uint8)) > 0
    deeper = cv2.erode(covered.patch, np.ones((4 * gap + 1, 4 * gap + 1), np.uint8)) > 0
    band = inside & ~deeper & (mask > 0)
    if not band.any():
        return mask  # the common case, without the two-sided measure's cost
    kept = mask.copy()
    kept[band & (only_two_sided(grey, ink) < level)] = 0
    return kept
