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

STROKE_SPAN = 0.09  # of the picture's height: wider than a pen stroke (a black-hat this wide finds strokes)
INK_STEP = 0.1  # of the paper's brightness: a stroke is at least this much darker than what closes over it
OUTSIDE_SHARE = 0.25  # of a piece of ink outside the patch: less, and the patch took it in
EDGE_DEPTH = 0.1  # of the picture's height: a piece reaching no deeper into the patch lies along its edge


def without_swallowed_ends(grey: np.ndarray, patch: np.ndarray, paper: float) -> np.ndarray:
    """``patch`` (a 0/1 mask of dark paper on ``grey``, whose lit paper is ``paper`` bright)
    without the pieces of ink it took in along its edge: pieces with under ``OUTSIDE_SHARE`` of
    themselves outside it, that touch its edge and reach no deeper than ``EDGE_DEPTH``."""
    height = grey.shape[0]
    span = max(5, round(STROKE_SPAN * height) | 1)
    strokes = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, np.ones((span, span), np.uint8)) > INK_STEP * paper
    # With their blurred rims, which are as dark as a hand but no stroke's core.
    ink = cv2.dilate(strokes.astype(np.uint8), np.ones((3, 3), np.uint8))
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
