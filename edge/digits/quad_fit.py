"""Four-cornered outlines of a shape: the polygon fit, the four corners spanning the most area,
where the four longest sides meet, corners moved onto lines fitted to the sides, and the order
of corners. Geometry only: whether a quad is a card is ``paper_checks``' question, and where
shapes come from is ``paper_search``'s.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np


def four_corners(hull: np.ndarray, perimeter: float) -> np.ndarray | None:
    for share in (0.02, 0.04, 0.06):
        quad = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(quad) == 4:
            return quad
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


def clockwise_from_top_left(quad: np.ndarray) -> np.ndarray:
    """Corners ordered clockwise (in picture coordinates, y down) starting at the top left."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    ordered = quad[np.argsort(angles)]  # clockwise on screen, starting from the left-most angle
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)
