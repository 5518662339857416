"""A writer of the sure level's tuning: digits drawn pen stroke by pen stroke from skeletons of
this module's own, each written a little differently (the strokes wander, the hand slants and
turns, the pen is thin or broad, some figures have a flag, a foot or a bar).

A stranger's hand for tuning, next to MNIST's: training never calls it (it learns MNIST's
writers and printed typefaces), and neither does the held-out benchmark, whose strangers are
scikit-learn's scans and OpenCV's Hershey fonts (``tests/test_digit_split.py`` keeps it so).
"""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 64  # pixels of a written digit, MNIST-style: white on black
Points = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Points:
    """Points along an ellipse in the unit box (y down), from ``start`` to ``end`` degrees
    (0 at the right, 90 at the bottom)."""
    angles = np.radians(np.linspace(start, end, max(3, int(abs(end - start) / 15) + 1)))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


def _skeletons(digit: int, rng: np.random.Generator) -> list[Points]:
    """The pen strokes of ``digit`` in the unit box, in one of its common shapes."""
    variant = rng.random() < 0.5
    if digit == 0:
        return [_arc(0.5, 0.5, 0.4, 0.48, -100, 265)]
    if digit == 1:
        strokes = [[(0.55, 0.02), (0.52, 0.98)]]
        if variant:
            strokes.append([(0.3, 0.25), (0.55, 0.02)])
            if rng.random() < 0.5:
                strokes.append([(0.3, 0.98), (0.78, 0.98)])
        return strokes
    if digit == 2:
        bottom = [(0.1, 0.97), (0.92, 0.97)]
        return [_arc(0.5, 0.3, 0.38, 0.27, 170, 380) + bottom]
    if digit == 3:
        return [_arc(0.48, 0.27, 0.35, 0.25, 200, 450) + _arc(0.48, 0.73, 0.4, 0.25, 270, 520)]
    if digit == 4:
        if variant:  # closed at the top
            return [[(0.68, 0.02), (0.08, 0.68), (0.95, 0.68)], [(0.68, 0.02), (0.68, 0.98)]]
        return [[(0.3, 0.02), (0.18, 0.6), (0.92, 0.6)], [(0.72, 0.1), (0.72, 0.98)]]
    if digit == 5:
        return [[(0.82, 0.03), (0.28, 0.03), (0.24, 0.45), *_arc(0.5, 0.68, 0.36, 0.3, 230, 520)]]
    if digit == 6:
        return [_arc(0.62, 0.62, 0.5, 0.58, 265, 180) + _arc(0.5, 0.72, 0.37, 0.26, 180, 530)]
    if digit == 7:
        strokes = [[(0.08, 0.04), (0.92, 0.04), (0.4 if variant else 0.5, 0.98)]]
        if rng.random() < 0.3:  # a bar across the stem
            strokes.append([(0.38, 0.52), (0.85, 0.52)])
        return strokes
    if digit == 8:
        return [_arc(0.5, 0.27, 0.3, 0.23, 90, 450), _arc(0.5, 0.73, 0.38, 0.26, 270, 630)]
    if variant:  # a 9 with a curved tail
        return [_arc(0.5, 0.3, 0.36, 0.27, 0, 360) + _arc(0.4, 0.3, 0.46, 0.68, 0, 105)]
    return [[*_arc(0.5, 0.3, 0.36, 0.27, 0, 360), (0.8, 0.98)]]


def written(digit: int, rng: np.random.Generator) -> np.ndarray:
    """One ``digit`` in this writer's hand, SIZE x SIZE, white ink on black."""
    width = rng.uniform(0.5, 0.8)  # of the height
    slant = rng.uniform(-0.1, 0.35)  # a right-handed writer leans forward more often
    turn = np.radians(rng.uniform(-7, 7))
    height = SIZE * 0.72
    rotate = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    canvas = np.zeros((SIZE, SIZE), np.uint8)
    pen = int(rng.integers(2, 7))
    for stroke in _skeletons(digit, rng):
        points = np.array(stroke) + _wander(len(stroke), rng)
        x = (points[:, 0] - 0.5) * width + slant * (0.5 - points[:, 1])
        y = points[:, 1] - 0.5
        placed = (np.stack([x, y], 1) @ rotate.T) * height + SIZE / 2
        cv2.polylines(canvas, [np.round(placed * 16).astype(np.int32)], False, 255, pen, cv2.LINE_AA, shift=4)
    return canvas


def _wander(count: int, rng: np.random.Generator) -> np.ndarray:
    """How far the hand strays from each of a stroke's ``count`` points: smoothly, not in jitters."""
    anchors = rng.normal(0, 0.035, (4, 2))
    along = np.linspace(0, 3, count)
    return np.stack([np.interp(along, np.arange(4), anchors[:, axis]) for axis in (0, 1)], 1)


def stroke_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` digits in this writer's hand (images, labels), evenly over 0-9."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    rng.shuffle(labels)
    return np.stack([written(int(d), rng) for d in labels]), labels.astype(np.int64)
