"""The ring of "ink" a hand's edge leaves a little way inside its patch, taken out; a pen stroke
there kept (generated cards: a hand's soft, rounded edge over one corner, the sensor's noise)."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.cover_ring import without_edge_ring
from edgecam.edge.digits.reader import ink_level, ink_map, ink_mask
from edgecam.edge.digits.segment import clearance, cover


def hand_over_corner(shape: tuple[int, int], corner: int, rng: np.random.Generator) -> np.ndarray:
    """A hand over ``corner`` (0-3 clockwise from the top left): 0-1, about half the card each
    way, its inner corner rounded, its edge softened."""
    height, width = shape
    w, h = int(width * rng.uniform(0.4, 0.55)), int(height * rng.uniform(0.4, 0.55))
    x = 0 if corner in (0, 3) else width - w
    y = 0 if corner in (0, 1) else height - h
    hand = np.zeros(shape, np.uint8)
    radius = h // 2
    # The inner corner: a square cleared and a circle drawn back in it.
    cx = x + w - 1 - radius if corner in (0, 3) else x + radius
    cy = y + h - 1 - radius if corner in (0, 1) else y + radius
    cv2.rectangle(hand, (x, y), (x + w - 1, y + h - 1), 255, cv2.FILLED)
    out_x = cx + radius if corner in (0, 3) else cx - radius
    out_y = cy + radius if corner in (0, 1) else cy - radius
    cv2.rectangle(hand, (cx, cy), (out_x, out_y), 0, cv2.FILLED)
    cv2.circle(hand, (cx, cy), radius, 255, cv2.FILLED)
    return cv2.GaussianBlur(hand.astype(np.float32) / 255, (0, 0), 0.8)


def test_a_hands_edge_is_taken_out_inside_its_patch_and_a_pen_stroke_across_it_is_kept():
    shape = (90, 300)
    gap = clearance(shape[0])
    for k in range(8):
        rng = np.random.default_rng(k)
        paper = np.full(shape, 205, np.float32) * np.linspace(0.92, 1.05, shape[1])[None, :]
        hand = hand_over_corner(shape, k % 4, rng)
        grey = paper * (1 - rng.uniform(0.4, 0.65) * hand)
        # A pen stroke through the hand's inner edge, from the paper deep into the patch.
        rows = np.nonzero(hand[:, shape[1] // 2 - 60 if k % 4 in (0, 3) else shape[1] // 2 + 60] > 0.5)[0]
        edge = rows.max() if k % 4 in (0, 1) else rows.min()
        step = -1 if k % 4 in (0, 1) else 1
        x = shape[1] // 2 - 80 if k % 4 in (0, 3) else shape[1] // 2 + 80
        stroke = np.zeros(shape, np.uint8)
        cv2.line(stroke, (x, int(edge - 3 * gap * step)), (x + 6, int(edge + 4 * gap * step)), 1, 3)
        grey[stroke > 0] *= 0.4
        grey = np.clip(grey + rng.normal(0, 2, shape), 0, 255).astype(np.uint8)

        covered = cover(grey)
        assert covered is not None
        ink = ink_map(grey)
        level = ink_level(ink)
        mask = ink_mask(ink, level)
        kept = without_edge_ring(grey, ink, mask, covered, level)

        inside = cv2.erode(covered.patch, np.ones((2 * gap + 1, 2 * gap + 1), np.uint8)) > 0
        deeper = cv2.erode(covered.patch, np.ones((4 * gap + 1, 4 * gap + 1), np.uint8)) > 0
        ring = inside & ~deeper & (stroke == 0)
        pen = inside & ~deeper & (stroke > 0) & (mask > 0)
        assert np.count_nonzero(ring & (mask > 0)) > 100  # the edge did leave its ring of "ink"
        # Nearly all of it goes, and the pen stays whole.
        assert np.count_nonzero(ring & (kept > 0)) < 0.15 * np.count_nonzero(ring & (mask > 0)), k
        assert np.count_nonzero(pen) > 0 and np.count_nonzero(pen & (kept > 0)) == np.count_nonzero(pen), k
