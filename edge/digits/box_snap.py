"""A printed card placed by two of its markers, moved onto its writing box's lines.

Two markers' corners, blurred, place the box several millimetres off where it is far from them
(two markers in one column leave the plane free to turn about them), and the read area then
takes in the box's line. The line itself is long and straight: found on each side, it places
the box where it is. (Three markers place it well: moving it then only stirs marginal readings.)
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits import card_layout as layout
from edgecam.edge.digits import paper_checks, quad_fit

SEARCH_MM = 12.0  # either side of where the markers put a box line: they put the far end up to ~10 mm off
BESIDE_MM = 2.0  # a line is darker than the paper this far on both sides of it (a blurred line too)
LINE_SHOWS = 0.04  # of the paper's brightness: a line at least this much darker than both sides shows
POINTS = 16  # along each side of the box
SHOWN_AT = 8  # points along a side at least where its line shows, for the side to be moved


def snapped_to_box(grey: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """``homography`` (card millimetres to ``grey``) corrected so that the writing box's sides lie
    on its lines as the picture shows them; a side whose line does not show (a hand over it)
    stays where it was."""
    corners = layout.Rect(*layout.BOX_MM).corners()
    placed = _box_on_its_lines(grey, homography)
    in_picture = cv2.perspectiveTransform(placed.reshape(-1, 1, 2), homography).reshape(4, 2)
    return cv2.getPerspectiveTransform(corners, in_picture)


def _box_on_its_lines(grey: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """The box's corners in the plane ``homography`` puts the card in (millimetres), where its
    lines show in ``grey``."""
    corners = layout.Rect(*layout.BOX_MM).corners().astype(np.float64)
    offsets = np.arange(-SEARCH_MM - BESIDE_MM, SEARCH_MM + BESIDE_MM + 0.01, 0.25)
    beside = round(BESIDE_MM / 0.25)
    spots = np.linspace(0.2, 0.8, POINTS)  # off the box's corners, where the markers stand beside its lines
    lines = []
    for side in range(4):
        start, end = corners[side], corners[(side + 1) % 4]
        direction = (end - start) / np.linalg.norm(end - start)
        normal = np.array([-direction[1], direction[0]])
        along = start + (end - start) * spots[:, None]
        profile = _sampled(grey, homography, along[:, None, :] + offsets[None, :, None] * normal)
        darker = np.minimum(profile[:, : -2 * beside], profile[:, 2 * beside :]) - profile[:, beside:-beside]
        best = np.argmax(darker, axis=1)
        shows = darker[np.arange(POINTS), best] > LINE_SHOWS * np.median(profile, axis=1)
        # Darkest at the end of the search is a slope into something dark (a hand), not a line.
        shows &= (best > 0) & (best < darker.shape[1] - 1)
        at_start, at_end = _offsets(spots[shows], offsets[beside:-beside][best[shows]])
        moved_start, moved_end = start + at_start * normal, end + at_end * normal
        lines.append((moved_start, moved_end - moved_start))
    # Two sides of the box that meet never run parallel: within the reach a short side turns at
    # most 42 degrees and a long one 16.
    placed = quad_fit.meeting_points(lines)
    return corners.astype(np.float32) if placed is None else placed


def _offsets(spots: np.ndarray, found: np.ndarray) -> tuple[float, float]:
    """How far the side's line lies from where it was put, at its start and at its end, from the
    offsets ``found`` at ``spots`` (0-1 along it): the straight line most of them lie on (a
    digit's stroke beside the line is a dark line too, and is left out); 0 when too few do."""
    if len(found) < SHOWN_AT:
        return 0.0, 0.0
    near = np.abs(found - np.median(found)) <= 2.5
    if near.sum() < SHOWN_AT:
        return 0.0, 0.0
    slope, at_start = np.polyfit(spots[near], found[near], 1)
    on_line = near & (np.abs(found - (at_start + slope * spots)) <= 0.75)
    if on_line.sum() < SHOWN_AT:
        return 0.0, 0.0
    slope, at_start = np.polyfit(spots[on_line], found[on_line], 1)
    return float(at_start), float(at_start + slope)


def _sampled(grey: np.ndarray, homography: np.ndarray, plane: np.ndarray) -> np.ndarray:
    """``grey`` at points of the card's plane (millimetres, any shape ending in 2)."""
    points = cv2.perspectiveTransform(plane.reshape(-1, 1, 2).astype(np.float32), homography)
    return paper_checks.sampled(grey, points.reshape(*plane.shape[:-1], 2))
