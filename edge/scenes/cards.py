"""Cards of handwritten digits as a camera sees them, made from real MNIST test digits.

Dark ink on off-white paper, light falling off across the card, a soft shadow,
paper grain, focus blur and sensor noise, 1-4 digits of varied size and spacing.
Used to measure the digit reader and to build the demo clip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class Card:
    image: np.ndarray  # BGR, uint8
    text: str
    boxes: list[tuple[int, int, int, int]]


def make_card(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    size: tuple[int, int] = (320, 160),
    count: int | None = None,
) -> Card:
    """A card of ``size`` (w, h) with ``count`` (default 1-4) random MNIST digits written on it."""
    width, height = size
    count = count or int(rng.integers(1, 5))
    picks = rng.integers(0, len(images), count)
    paper = _paper(width, height, rng)
    ink_layer = np.zeros((height, width), np.float32)
    digit_height = int(rng.integers(int(0.45 * height), int(0.75 * height)))
    slot = width / count
    boxes = []
    for i, index in enumerate(picks):
        digit = _tight(images[index])
        scale = digit_height / digit.shape[0]
        w = max(4, int(digit.shape[1] * scale))
        w = min(w, int(slot * 0.9))
        resized = cv2.resize(digit, (w, digit_height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
        x = int(i * slot + rng.uniform(0.05, 0.95) * max(1, slot - w))
        y = int((height - digit_height) / 2 + rng.uniform(-0.12, 0.12) * height)
        y = min(max(y, 2), height - digit_height - 2)
        region = ink_layer[y : y + digit_height, x : x + w]
        np.maximum(region, resized[:, : region.shape[1]], out=region)
        boxes.append((x, y, w, digit_height))
    ink_darkness = rng.uniform(0.55, 0.85)
    grey = paper * (1 - ink_darkness * np.clip(ink_layer, 0, 1))
    grey *= _uneven_light(width, height, rng)
    grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.4, 1.4))
    grey += rng.normal(0, rng.uniform(2, 6), grey.shape)
    grey = np.clip(grey, 0, 255).astype(np.uint8)
    tint = rng.uniform(0.92, 1.0, 3)  # warm or cool light
    card = np.clip(grey[:, :, None] * tint[None, None, :], 0, 255).astype(np.uint8)
    return Card(card, "".join(str(int(labels[i])) for i in picks), boxes)


def _tight(digit: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(digit.max(1) > 30), np.flatnonzero(digit.max(0) > 30)
    if len(rows) == 0:
        return digit
    return digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _paper(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    base = rng.uniform(200, 240)
    grain = cv2.GaussianBlur(rng.normal(0, 4, (height, width)).astype(np.float32), (0, 0), 1.5)
    return np.full((height, width), base, np.float32) + grain


def _uneven_light(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A gradient from one side plus a soft shadow blob: light from a window, a hand nearby."""
    angle = rng.uniform(0, 2 * np.pi)
    xs, ys = np.meshgrid(np.linspace(-1, 1, width), np.linspace(-1, 1, height))
    gradient = 1 - rng.uniform(0.15, 0.45) * (0.5 + 0.5 * (np.cos(angle) * xs + np.sin(angle) * ys))
    cx, cy = rng.uniform(-1, 1, 2)
    shadow = 1 - rng.uniform(0.0, 0.3) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / rng.uniform(0.1, 0.5))
    return (gradient * shadow).astype(np.float32)
