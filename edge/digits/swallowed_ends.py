"""The end of a digit that a hand's patch took in along its edge, given back to the paper.

A hand over most of a digit leaves a sliver of it beside the hand's edge. On the half-size
picture ``cover`` looks at, the sliver's strokes and their blurred rims are as dark as the hand
and touch it, so the dark patch takes them in. Inside the patch the sliver counts as a digit seen
in shade (the hand is taken for a shadow and the sliver read as a digit), and nothing sees that a
stroke runs under the hand. A digit in a real shadow crosses into the patch too, but it reaches
deep into it, or lies mostly outside it: the sliver lies almost wholly inside, along the edge.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.blobs import blobs

OUTSIDE_SHARE = 0.25  # of a piece of ink outside the patch: less, and the patch took it in
EDGE_DEPTH = 0.1  # of the picture's height: a piece reaching no deeper into the patch lies along its edge


def without_swallowed_ends(patch: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """``patch`` (a 0/1 mask of dark paper) without the pieces of ink (``ink``, ``pen_strokes``'
    mask on the same picture) it took in along its edge: pieces with under ``OUTSIDE_SHARE`` of
    themselves outside it, that touch its edge and reach no deeper than ``EDGE_DEPTH``."""
    height = patch.shape[0]
    count, labels, stats = blobs(ink)
    inside_patch = patch > 0
    depth = cv2.distanceTransform(patch, cv2.DIST_L2, 3)
    edge = depth < 1.5  # the patch's outer pixels: next to paper, across a side or a corner
    kept = patch.copy()
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        window = np.s_[y : y + h, x : x + w]
        piece = labels[window] == index
        taken = piece & inside_patch[window]
        if not (taken & edge[window]).any():
            continue  # wholly outside the patch, or deep inside it: ink in a shadow
        if np.count_nonzero(piece & ~inside_patch[window]) >= OUTSIDE_SHARE * area:
            continue  # a digit that goes on out of the patch: it shows the patch is light
        if float(depth[window][taken].max()) <= EDGE_DEPTH * height:
            kept[window][taken] = 0
    return kept
