"""A card's four sides moved onto its edge in the picture: the quad a search or a track guessed,
made to sit where the picture steps from paper to desk."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits import paper_checks, quad_fit

SNAP_LEAST = 4  # grey levels: a side whose step from paper to desk is smaller has no edge to snap to


def snapped(small: np.ndarray, quad: np.ndarray, unsnapped_out: float, reach: float = 8.0) -> np.ndarray:
    """Each side moved onto the card's edge: along the side, the steepest step in brightness
    within ``reach`` pixels, with a line fitted through them. The threshold the quad came from may
    have cut off a corner where light falls off; the edge itself is still there. A card brighter
    than its desk steps down at its edge, a darker one up, and one lit otherwise than its desk (a
    bowed card, or one held up) down in one place and up in another: at each point the step is
    taken whichever way it is steeper. A side with no step is moved out by ``unsnapped_out`` only."""
    offsets = np.arange(-reach, reach + 0.5, 0.5, dtype=np.float32)
    count = 24  # points along each side
    sides = [paper_checks.side_points(quad, corner, count) for corner in range(4)]
    # All four sides' profiles at once (4 x 24 rows): the same sums row by row, a fraction of the calls.
    points = np.concatenate([side[0] for side in sides])
    normals = np.repeat(np.stack([side[1] for side in sides]), count, axis=0)
    profile = paper_checks.along(small, points, normals, offsets)
    # The step from 4 px inside to 4 px outside: a pen stroke near the edge is too thin to
    # make one, the card's edge on the desk is one all along. Then the steepest fall near it.
    sums = np.cumsum(np.pad(profile, ((0, 0), (1, 0))), axis=1)
    width = 8  # samples, 0.5 px apart
    inner = (sums[:, width:-width] - sums[:, : -2 * width]) / width
    outer = (sums[:, 2 * width :] - sums[:, width:-width]) / width
    step = inner - outer
    # Where the card is darker than the desk the step is up: turned over, it is a fall too.
    highest, lowest = step.max(axis=1), step.min(axis=1)
    turns = np.where(lowest < -highest, -1.0, 1.0).astype(np.float32)[:, None]
    values, step = profile * turns, step * turns
    rough = np.argmax(step, axis=1) + width  # the first sample outside
    fall = np.diff(values, axis=1)
    rows = np.arange(len(points))[:, None]
    near = np.clip(rough[:, None] + np.arange(-3, 3)[None, :], 0, fall.shape[1] - 1)
    sharp = near[rows[:, 0], np.argmin(fall[rows, near], axis=1)]
    edges = points + (offsets[sharp] + 0.25)[:, None] * normals
    stepped = np.median(np.maximum(highest, -lowest).reshape(4, count), axis=1)
    lines = []
    for corner, (_, normal) in enumerate(sides):
        if stepped[corner] < SNAP_LEAST:
            # No step to snap to (a card as bright as a textured desk): the side stays on the
            # shape's outline, moved out by what growing the edges took off an edge-bounded shape.
            start, end = quad[corner].astype(np.float64), quad[(corner + 1) % 4].astype(np.float64)
            direction = (end - start) / max(float(np.linalg.norm(end - start)), 1e-6)
            lines.append((start + unsnapped_out * normal, direction))
            continue
        edge = edges[corner * count : (corner + 1) * count]
        line = cv2.fitLine(edge, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        # Once more without the points far from the first line: a stroke or a speck they found.
        off_line = np.abs((edge - line[2:]) @ np.array([-line[1], line[0]]))
        if (off_line < 1.5).sum() >= 6:
            line = cv2.fitLine(edge[off_line < 1.5], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((line[2:].astype(np.float64), line[:2].astype(np.float64)))
    corners = quad_fit.meeting_points(lines)
    return corners if corners is not None and np.abs(corners - quad).max() <= 2 * reach else quad
