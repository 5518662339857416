"""A hand's edge drawn as "ink" a little way inside its patch, taken out where it is no stroke; and
a stroke that runs into the edge, seen.

``segment`` already drops the ring of "ink" that flat-fielding draws along a dark patch's edge,
from one clearance outside the patch to one inside. The patch is found on a half-size picture and
the smooth paper estimate lags behind its edge, so what is left of that ring often lies a
clearance further in: read as a mark of its own, or as something reaching in beside a digit. A
blanket ring twice as deep erased a bold digit's stroke taken for part of a patch (docs/benchmarks.md,
twenty-ninth pass), so in that band only what is darker than the paper on one side alone goes.
Near a sharp corner of the patch some of it stays: across the corner, diagonally, paper lies on
both sides of it.

Just outside the patch, the ring that ``segment`` takes out may hold the visible end of a digit
that goes on under the hand; the card must then be unsure, not a digit short.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.segment import Cover, clearance
from edgecam.edge.digits.two_sided import only_two_sided

# Of the read area's height squared: as much ink as a stroke's end beside the patch, more than a speck.
STROKE_END = 0.001


def without_edge_ring(grey: np.ndarray, ink: np.ndarray, mask: np.ndarray, covered: Cover, level: float) -> np.ndarray:
    """``mask`` (the card's ink above ``level``) with the pixels taken out that lie one to two
    clearances inside ``covered``'s patch and are not ink on both sides of them."""
    gap = clearance(grey.shape[0])
    deeper = cv2.erode(covered.patch, np.ones((4 * gap + 1, 4 * gap + 1), np.uint8)) > 0
    band = (covered.inside > 0) & ~deeper & (mask > 0)
    if not band.any():
        return mask  # the common case, without the two-sided measure's cost
    kept = mask.copy()
    kept[band & (only_two_sided(grey, ink) < level)] = 0
    return kept


def strokes_run_under(grey: np.ndarray, sharp_ink: np.ndarray, mask: np.ndarray, covered: Cover, level: float) -> bool:
    """Whether a stroke runs into the patch's edge: ink (``mask``) within a clearance outside the
    patch, darker than the paper on both sides of it. That is the visible end of a digit that goes
    on under the hand, and ``segment`` takes it out with the ring of the edge's own "ink".
    ``sharp_ink`` is the ink against paper light that keeps the patch's step: against the smooth
    estimate, what is left of a hand's rounded corner passes for such a stroke too."""
    outside = (covered.near > 0) & (covered.patch == 0) & (mask > 0)
    if np.count_nonzero(outside) < STROKE_END * grey.shape[0] ** 2:
        return False  # the common case, without the two-sided measure's cost
    strokes = outside & (only_two_sided(grey, sharp_ink) >= level)
    return bool(np.count_nonzero(strokes) >= STROKE_END * grey.shape[0] ** 2)
