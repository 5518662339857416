"""Handwriting the digit model never trained on, for the held-out card benchmark.

- scikit-learn's 8x8 digits: 1,797 digits by 43 people (UCI), a different pen, scan and
  normalisation from MNIST's;
- digits written from OpenCV's Hershey fonts (script, plain, serif, italic), each with its own
  slant, stroke width and a smooth wobble of the pen, as a careful hand writes them.

Each writer gives white-on-black uint8 images and their labels, as MNIST's arrays are.
"""

from __future__ import annotations

import cv2
import numpy as np

FONTS = (
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_SIMPLEX | cv2.FONT_ITALIC,
)


def sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 digits (16 grey levels) scaled up smoothly to 32x32, their soft edges steepened back
    into strokes (the 8x8 were block averages of 32x32 bitmaps)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = []
    for image in data.images:
        large = cv2.resize(image.astype(np.float32) * 16, (32, 32), interpolation=cv2.INTER_CUBIC)
        images.append(np.clip((large - 70) * 2.5, 0, 255).astype(np.uint8))
    return np.stack(images), data.target.astype(np.int64)


def font_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` digits written from the Hershey fonts, 64x64."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(count):
        digit = int(rng.integers(0, 10))
        images.append(_written(str(digit), rng))
        labels.append(digit)
    return np.stack(images), np.array(labels)


def _written(text: str, rng: np.random.Generator) -> np.ndarray:
    size = 64
    canvas = np.zeros((size * 2, size * 2), np.uint8)
    font = FONTS[int(rng.integers(0, len(FONTS)))]
    thickness = int(rng.integers(2, 6))
    scale = 2.2
    (w, h), _ = cv2.getTextSize(text, font, scale, thickness)
    cv2.putText(canvas, text, ((2 * size - w) // 2, (2 * size + h) // 2), font, scale, 255, thickness, cv2.LINE_AA)
    shear = rng.uniform(-0.3, 0.3)  # the hand's slant
    turn = np.radians(rng.uniform(-8, 8))
    matrix = np.array([[np.cos(turn), -np.sin(turn) + shear, 0], [np.sin(turn), np.cos(turn), 0]], np.float32)
    matrix[:, 2] = np.array([size, size]) - matrix[:, :2] @ np.array([size, size])
    canvas = cv2.warpAffine(canvas, matrix, canvas.shape[::-1], flags=cv2.INTER_LINEAR)
    # A smooth wobble: each point of the stroke displaced by a slowly varying field.
    field = [cv2.GaussianBlur(rng.normal(0, 1, canvas.shape).astype(np.float32), (0, 0), 12) for _ in range(2)]
    strength = rng.uniform(20, 60)
    ys, xs = np.mgrid[: canvas.shape[0], : canvas.shape[1]].astype(np.float32)
    canvas = cv2.remap(canvas, xs + field[0] * strength, ys + field[1] * strength, cv2.INTER_LINEAR)
    return cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
