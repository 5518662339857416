"""Four-cornered outlines of a shape: the polygon fit, the four corners spanning the most area,
where the four longest or the four straightest sides meet, corners moved onto lines fitted to
the sides, and the order of corners. Geometry only: whether a quad is a card is
``paper_checks``' question, and where shapes come from is ``paper_search``'s.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

ON_LINE = 2.5  # pixels: an outline's point this near a line lies on it
STRAY_SHARE = (0.03, 0.25)  # of an outline's points on none of its four sides: a patch's, or a few
PATCH_OUTSIDE = 0.8  # of those points, at least, lie outside the four sides
SIDE_COVERED = 0.7  # of each side's length, at least, the outline runs along


def four_corners(hull: np.ndarray, perimeter: float) -> np.ndarray | None:
    for share in (0.02, 0.04, 0.06):
        quad = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(quad) == 4:
            return quad.reshape(4, 2).astype(np.float32)
    return None


def widest_four(hull: np.ndarray, perimeter: float) -> np.ndarray | None:
    """The four points of an outline's ``hull`` that span the largest area. A speck of bright desk
    joined to the card makes a fifth corner, which the polygon fit may keep in place of a real
    one; it never spans more area than the card's own corners do."""
    for share in (0.005, 0.01, 0.02, 0.04):
        points = cv2.approxPolyDP(hull, share * perimeter, True).reshape(-1, 2).astype(np.float32)
        if len(points) <= 14:
            break
    if len(points) < 4 or len(points) > 14:
        return None
    corners = np.array(list(itertools.combinations(range(len(points)), 4)))
    x, y = points[corners, 0], points[corners, 1]  # hull order, so each quad is convex
    areas = np.abs((x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1)) / 2
    return points[corners[int(np.argmax(areas))]]


def longest_sides(hull: np.ndarray, perimeter: float) -> np.ndarray | None:
    """Where the four longest sides of an outline's ``hull`` (a polygon of five corners or more)
    meet, taken in their order round it: a card whose corner a soft shadow cut off."""
    points = cv2.approxPolyDP(hull, 0.01 * perimeter, True).reshape(-1, 2).astype(np.float64)
    if not 5 <= len(points) <= 12:
        return None
    ends = np.roll(points, -1, axis=0)
    longest = np.sort(np.argsort(np.linalg.norm(ends - points, axis=1))[-4:])
    lines = [(points[i], ends[i] - points[i]) for i in longest]
    corners = meeting_points(lines)
    return corners if corners is not None and cv2.isContourConvex(corners.reshape(-1, 1, 2)) else None


def straightest_sides(points: np.ndarray, perimeter: float) -> np.ndarray | None:
    """Where the four straight lines that most of an outline's ``points`` lie on meet, in their
    order round it: a card with a patch of desk joined to one side, whose hull the patch bends,
    still has four straight sides, and the patch's short sides hold few points."""
    guides = cv2.approxPolyDP(points.reshape(-1, 1, 2), 0.01 * perimeter, True).reshape(-1, 2).astype(np.float32)
    if len(guides) < 5:
        return None
    left = points.astype(np.float32)
    lines, ons = [], []
    for _ in range(4):  # the line with most points on it, then the next among the points left
        found = _most_points_line(left, guides)
        if found is None:
            return None
        lines.append(found[0])
        ons.append(left[found[1]])
        left = left[~found[1]]
    # A four-sided shape with a patch or two joined to it: the rest of the outline lies outside the
    # four sides. Points left inside them are no patch's: the sides are the desk's lines (grout,
    # a plank's seam) the shape runs along, not the card's.
    if not STRAY_SHARE[0] * len(points) <= len(left) <= STRAY_SHARE[1] * len(points):
        return None
    middle = points.mean(axis=0)
    order = np.argsort([np.arctan2(*(on.mean(axis=0) - middle)[::-1]) for on in ons])
    quad = meeting_points([lines[i] for i in order])
    if quad is None or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return None
    # The outline runs along nearly all of each side: a line it follows for a part only is some
    # other line that the shape touches (a hard shadow's edge across the card).
    if min(_covered(ons[i], quad[k], quad[(k + 1) % 4]) for k, i in enumerate(order)) < SIDE_COVERED:
        return None
    outline = quad.reshape(-1, 1, 2)
    outside = [cv2.pointPolygonTest(outline, (float(x), float(y)), True) < -ON_LINE for x, y in left]
    return quad if np.mean(outside) >= PATCH_OUTSIDE else None


def _covered(on: np.ndarray, start: np.ndarray, end: np.ndarray) -> float:
    """The share of the side from ``start`` to ``end`` that the points ``on`` it lie along, in 2 px steps."""
    length = float(np.linalg.norm(end - start))
    steps = max(1, int(length // 2))
    where = ((on - start) @ (end - start) / length**2 * steps).astype(int)
    return len(np.unique(where[(where >= 0) & (where < steps)])) / steps


def _most_points_line(
    points: np.ndarray, guides: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray] | None:
    """Of the lines through two neighbouring ``guides`` (a polygon round the outline), the one with
    the most ``points`` on it, fitted to them: (point, direction), and which points lie on it."""
    best = None
    for start, end in zip(guides, np.roll(guides, -1, axis=0), strict=True):
        length = float(np.linalg.norm(end - start))
        if length < 4:
            continue
        normal = np.array([start[1] - end[1], end[0] - start[0]], np.float32) / length
        on = np.abs((points - start) @ normal) < ON_LINE
        if best is None or on.sum() > best.sum():
            best = on
    if best is None or best.sum() < 5:
        return None
    # The polygon's corners lie near the line, not on it: fitted to its points, it gathers more.
    vx, vy, x0, y0 = cv2.fitLine(points[best], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    on = np.abs((points - [x0, y0]) @ np.array([-vy, vx], np.float32)) < ON_LINE
    if on.sum() < 5:
        return None
    vx, vy, x0, y0 = cv2.fitLine(points[on], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return (np.array([x0, y0]), np.array([vx, vy])), on


def fitted(points: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The corners of ``quad`` moved to where lines fitted to the outline's sides meet: every point
    of a side counts, not only the one the polygon approximation kept."""
    lines = []
    for corner in range(4):
        start, end = quad[corner], quad[(corner + 1) % 4]
        side = end - start
        length = float(np.linalg.norm(side))
        if length < 4:
            return quad
        along = (points - start) @ side / length**2
        across = np.abs((points - start) @ np.array([-side[1], side[0]]) / length)
        near = points[(along > 0.1) & (along < 0.9) & (across < 2.5)]
        if len(near) < 5:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    corners = meeting_points(lines)
    if corners is None:
        return quad
    return corners if np.abs(corners - quad).max() <= 4 else quad


def meeting_points(lines: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray | None:
    """Where each line (point, direction) meets the one before it: the quad's corners."""
    corners = []
    for corner in range(4):
        (p, u), (q, v) = lines[corner - 1], lines[corner]
        matrix = np.array([u, -v]).T
        if abs(np.linalg.det(matrix)) < 1e-6:
            return None
        corners.append(p + np.linalg.solve(matrix, q - p)[0] * u)
    return np.array(corners, np.float32)


def same_corners(quad: np.ndarray, other: np.ndarray) -> bool:
    """Whether each corner of ``quad`` lies within 2 px of one of ``other``'s."""
    distances = np.linalg.norm(quad[:, None, :] - other[None, :, :], axis=2)
    return bool(distances.min(axis=1).max() <= 2)


def among(quad: np.ndarray, others: list[np.ndarray]) -> bool:
    """Whether ``quad`` has the same corners as one of ``others``."""
    return any(same_corners(quad, other) for other in others)


def clockwise_from_top_left(quad: np.ndarray) -> np.ndarray:
    """Corners ordered clockwise (in picture coordinates, y down) starting at the top left."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    ordered = quad[np.argsort(angles)]  # clockwise on screen, starting from the left-most angle
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)
