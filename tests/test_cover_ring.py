"""The ring of "ink" a hand's edge leaves a little way inside its patch, taken out; a pen stroke
there kept (generated cards: a hand's soft, rounded edge over one corner, the sensor's noise)."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.cover_ring import strokes_run_under, without_edge_ring
from edgecam.edge.digits.ink_scale import ink_against
from edgecam.edge.digits.reader import ink_level, ink_map, ink_mask, paper_light
from edgecam.edge.digits.segment import clearance, cover
from edgecam.edge.scenes.card_views import covered as with_a_hand


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

        inside = covered.inside > 0
        deeper = cv2.erode(covered.patch, np.ones((4 * gap + 1, 4 * gap + 1), np.uint8)) > 0
        ring = inside & ~deeper & (stroke == 0)
        pen = inside & ~deeper & (stroke > 0) & (mask > 0)
        assert np.count_nonzero(ring & (mask > 0)) > 100  # the edge did leave its ring of "ink"
        # Nearly all of it goes, and the pen stays whole.
        assert np.count_nonzero(ring & (kept > 0)) < 0.15 * np.count_nonzero(ring & (mask > 0)), k
        assert np.count_nonzero(pen) > 0 and np.count_nonzero(pen & (kept > 0)) == np.count_nonzero(pen), k


def _ink_as_read(grey: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The reader's ink level and mask of ``grey``, and its ink against the sharp paper light."""
    ink = ink_map(grey)
    level = ink_level(ink)
    return level, ink_mask(ink, level), ink_against(grey, paper_light(grey, sharp=True))


def test_a_stroke_running_under_a_hand_is_seen_and_a_hands_rounded_corner_is_not():
    shape = (90, 300)
    runs_under, corners = [], []
    for k in range(24):
        rng = np.random.default_rng(k)
        paper = np.full(shape, 205, np.float32) * np.linspace(0.95, 1.03, shape[1])[None, :]
        # A 0 written at the right, and a hand over the card's right end from part-way across it:
        # most of the 0 under the hand, its left side showing.
        cv2.ellipse(paper, (240, 45), (16, 26), 0, 0, 360, 80, 4)
        hand = np.zeros(shape, np.float32)
        hand[:, int(rng.uniform(232, 240)) :] = 1
        hand = cv2.GaussianBlur(hand, (0, 0), 0.8)
        grey = paper * (1 - hand) + rng.uniform(100, 135) * hand
        grey = np.clip(grey + rng.normal(0, 2, shape), 0, 255).astype(np.uint8)
        covered = cover(grey)
        assert covered is not None
        level, mask, sharp = _ink_as_read(grey)
        runs_under.append(strokes_run_under(grey, sharp, mask, covered, level))

        # The training scenes' hand over a quarter of the card, clear of the digits written far off:
        # what is left of its edge's "ink" at its rounded inner corner is no stroke.
        paper = np.full(shape, 205, np.float32) * np.linspace(0.92, 1.05, shape[1])[None, :]
        card = cv2.cvtColor(paper.astype(np.uint8), cv2.COLOR_GRAY2BGR)
        grey = cv2.cvtColor(with_a_hand(card, k % 4, 0.25, rng), cv2.COLOR_BGR2GRAY)
        grey = np.clip(grey + rng.normal(0, 2, shape), 0, 255).astype(np.uint8)
        covered = cover(grey)
        assert covered is not None
        level, mask, sharp = _ink_as_read(grey)
        corners.append(strokes_run_under(grey, sharp, mask, covered, level))
    # Against the smoothed paper light instead, 7 of the 24 hands' corners passed for a stroke.
    assert all(runs_under) and not any(corners), (runs_under, corners)
