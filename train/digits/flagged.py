"""MNIST's 1s and 7s as much of the world writes them: a 1 with a flag (and sometimes a foot), a 7
crossed at its middle.

MNIST's writers were American: a 1 is a bare stick, and a stick with a flag is a 7. A card
written in Europe reads the other way, and the model was unsure of nearly every flagged 1 it
saw (or took it for a 7). These copies are drawn on MNIST's own digits, with each digit's own
slant and stroke width, so the pen stays a real hand's.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.reader import mnist_crop

UP = 4  # drawn at four times MNIST's size, so the added stroke is anti-aliased like the rest


def flagged_copies(images: np.ndarray, labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A flagged copy of ``share`` of the 1s and a crossed copy of half as many 7s: 28x28 uint8
    images in MNIST's framing, and their labels."""
    rng = np.random.default_rng(seed)
    out, kept = [], []
    for digit, draw, part in ((1, _flag, share), (7, _cross, share / 2)):
        chosen = np.flatnonzero(labels == digit)
        for index in rng.choice(chosen, round(part * len(chosen)), replace=False):
            stroke = _stroke(images[index])
            image = draw(*stroke, rng) if stroke is not None else None
            if image is not None:
                out.append(image)
                kept.append(digit)
    if not out:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    return np.stack(out), np.array(kept, np.int64)


def _stroke(image: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray] | None:
    """The digit drawn large, its stroke width there, and its ink's columns and rows."""
    large = cv2.resize(image, None, fx=UP, fy=UP, interpolation=cv2.INTER_CUBIC)
    ink = (large > 128).astype(np.uint8)
    if ink.sum() < 20 * UP * UP:
        return None
    # Twice the distance to the paper, taken high but below the peak: where strokes meet it is larger.
    width = 2 * float(np.percentile(cv2.distanceTransform(ink, cv2.DIST_L2, 5)[ink > 0], 90))
    ys, xs = np.nonzero(ink)
    return large, max(width, UP), xs, ys


def _flag(large: np.ndarray, width: float, xs: np.ndarray, ys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    points = np.column_stack([xs, ys]).astype(np.float64)
    centre = points.mean(axis=0)
    # The stick's direction is the ink's main axis, pointing down the page.
    _, _, axes = np.linalg.svd(points - centre, full_matrices=False)
    down = axes[0] if axes[0][1] > 0 else -axes[0]
    along = (points - centre) @ down
    top, length = centre + along.min() * down, float(along.max() - along.min())
    # The flag is short and falls steeply to the left: longer or flatter, it is a 7's bar.
    turn = np.radians(rng.uniform(25, 55))
    flag = np.array([down[0] * np.cos(turn) - down[1] * np.sin(turn), down[0] * np.sin(turn) + down[1] * np.cos(turn)])
    end = top + flag * length * rng.uniform(0.12, 0.28)
    thickness = max(1, round(width))
    cv2.line(large, _pixel(top), _pixel(end), 255, thickness, cv2.LINE_AA)
    if rng.random() < 0.25:  # a foot, as block figures have
        bottom, half = top + down * length, length * rng.uniform(0.15, 0.25)
        foot = np.array([half, 0.0])
        cv2.line(large, _pixel(bottom - foot), _pixel(bottom + foot), 255, thickness, cv2.LINE_AA)
    return _framed(large)


def _cross(
    large: np.ndarray, width: float, xs: np.ndarray, ys: np.ndarray, rng: np.random.Generator
) -> np.ndarray | None:
    top, height = ys.min(), ys.max() - ys.min()
    row = int(top + height * rng.uniform(0.45, 0.6))
    stem = xs[np.abs(ys - row) <= width]
    if len(stem) == 0:
        return None
    centre, half, tilt = float(np.median(stem)), height * rng.uniform(0.15, 0.25), height * rng.uniform(-0.05, 0.05)
    left, right = _pixel((centre - half, row + tilt)), _pixel((centre + half, row - tilt))
    cv2.line(large, left, right, 255, round(width), cv2.LINE_AA)
    return _framed(large)


def _pixel(point) -> tuple[int, int]:
    return round(float(point[0])), round(float(point[1]))


def _framed(large: np.ndarray) -> np.ndarray:
    small = cv2.resize(large, (28, 28), interpolation=cv2.INTER_AREA)
    x, y, w, h = cv2.boundingRect((small > 30).astype(np.uint8))
    return mnist_crop(small, (x, y, w, h))
