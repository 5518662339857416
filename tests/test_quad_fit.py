"""A card's four sides found in a shape's outline when a patch of desk is joined to one of them."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits import quad_fit
from tests.paper_search_scores import off_by


def _turned_card(rng: np.random.Generator) -> np.ndarray:
    """A card's corners in the search's small picture (320 x 240): about 120 x 65 px, a little turned."""
    width, height, turn = rng.uniform(100, 140), rng.uniform(55, 75), np.radians(rng.uniform(-12, 12))
    box = np.float32([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [width / 2, height / 2]
    rotation = np.float32([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    return box @ rotation.T + rng.uniform([100, 80], [220, 160]).astype(np.float32)


def _outline(mask: np.ndarray) -> tuple[np.ndarray, float]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    return contour.reshape(-1, 2).astype(np.float32), cv2.arcLength(cv2.convexHull(contour), True)


def test_a_patch_of_desk_joined_to_a_side_bends_the_hull_but_not_the_four_sides():
    # A light square of a checked cloth beside a card's side near a corner, its edge on the card
    # too faint to close: the region the edges enclose is card and square. The four of the hull's
    # corners spanning the most area put one on the square (13 of these 20, 24-40 px off); the
    # four straightest sides of the outline are the card's.
    rng = np.random.default_rng(7)
    hull_off = []
    for _ in range(20):
        corners = _turned_card(rng)
        mask = np.zeros((240, 320), np.uint8)
        cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 1)
        side = int(rng.integers(4))
        start, end = corners[side], corners[(side + 1) % 4]
        along = (end - start) / np.linalg.norm(end - start)
        out = np.float32([along[1], -along[0]])
        if np.dot(out, start - corners.mean(axis=0)) < 0:
            out = -out
        foot = start + rng.uniform(0.65, 0.8) * (end - start)
        half, depth = rng.uniform(0.06, 0.1) * np.linalg.norm(end - start), rng.uniform(12, 20)
        patch = np.float32([foot - half * along, foot + half * along, foot + half * along + depth * out])
        patch = np.vstack([patch, foot - half * along + depth * out])
        cv2.fillConvexPoly(mask, np.round(patch).astype(np.int32), 1)
        points, perimeter = _outline(mask)
        quad = quad_fit.straightest_sides(points, perimeter)
        assert quad is not None and off_by(quad, corners) <= 2.0, (quad, corners)
        widest = quad_fit.widest_four(cv2.convexHull(points.astype(np.int32)), perimeter)
        hull_off.append(off_by(widest, corners) if widest is not None else np.inf)
    assert np.median(hull_off) > 5, hull_off


def test_a_shape_with_no_patch_outside_its_sides_gives_none():
    # All of the outline on four lines (a tile, or a card and a strip of desk whose seam is
    # straight): the polygon fit already has those corners. A notch, its points inside the four
    # sides, is no patch of desk either: the sides may be the desk's own lines.
    rng = np.random.default_rng(8)
    corners = _turned_card(rng)
    mask = np.zeros((240, 320), np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 1)
    assert quad_fit.straightest_sides(*_outline(mask)) is None
    notched = mask.copy()
    middle = (corners[2] + corners[3]) / 2
    cv2.circle(notched, (round(middle[0]), round(middle[1])), 12, 0, -1)
    assert quad_fit.straightest_sides(*_outline(notched)) is None


def test_four_lines_the_outline_runs_along_only_in_part_are_no_card():
    # A card and a wide block of bright desk beside a third of one side (or the lit part of a card
    # beside a shadow's edge): four straight lines hold most of the outline, but it runs along one
    # of them for two thirds of its length only. Neither four-sided shape is surely the card.
    rng = np.random.default_rng(9)
    corners = _turned_card(rng)
    mask = np.zeros((240, 320), np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 1)
    right = corners[1] - corners[0]
    block = np.float32([corners[1] - 0.35 * right, corners[1], corners[2], corners[2] - 0.35 * right])
    block[:, 1] += np.float32([-18, -18, 0, 0])  # raised above the card's top side
    cv2.fillConvexPoly(mask, np.round(block).astype(np.int32), 1)
    assert quad_fit.straightest_sides(*_outline(mask)) is None
