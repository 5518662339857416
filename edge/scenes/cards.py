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
    margin: float = 0.0,
) -> Card:
    """A card of ``size`` (w, h) with ``count`` (default 1-4) random MNIST digits written on it,
    ``margin`` (a share of its height) clear of ink along every edge."""
    width, height = size
    count = count or int(rng.integers(1, 5))
    picks = rng.integers(0, len(images), count)
    paper = _paper(width, height, rng)
    ink_layer = np.zeros((height, width), np.float32)
    edge = round(margin * height)
    boxes = _write(ink_layer[edge : height - edge, edge : width - edge], images, picks, rng)
    boxes = [(x + edge, y + edge, w, h) for x, y, w, h in boxes]
    return Card(_photographed(paper, ink_layer, rng), "".join(str(int(labels[i])) for i in picks), boxes)


def printed_card(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    px_per_mm: float = 3.0,
    count: int | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> Card:
    """``edgecam card print``'s card, ``px_per_mm`` pixels to the millimetre, with ``count`` (default
    1-4) digits from ``images`` written in its box, within ``span`` of its width (0-1, from the left);
    boxes are in the card's pixels."""
    from edgecam.edge.digits import card_layout
    from edgecam.edge.digits.card_print import card_image

    count = count or int(rng.integers(1, 5))
    picks = rng.integers(0, len(images), count)
    printed = card_image(round(px_per_mm * 25.4)).astype(np.float32) / 255
    height, width = printed.shape
    paper = _paper(width, height, rng)
    ink_layer = 1 - printed
    inner = card_layout.read_rect()
    clear = 0.1 * inner.h * px_per_mm  # the writer keeps clear of the box's line
    x0, y0 = round((inner.x + span[0] * inner.w) * px_per_mm + clear), round(inner.y * px_per_mm + clear)
    x1, y1 = round((inner.x + span[1] * inner.w) * px_per_mm - clear), round((inner.y + inner.h) * px_per_mm - clear)
    boxes = _write(ink_layer[y0:y1, x0:x1], images, picks, rng)
    boxes = [(x + x0, y + y0, w, h) for x, y, w, h in boxes]
    return Card(_photographed(paper, ink_layer, rng), "".join(str(int(labels[i])) for i in picks), boxes)


def _write(ink_layer: np.ndarray, images: np.ndarray, picks: np.ndarray, rng: np.random.Generator) -> list:
    """Write the picked digits side by side into ``ink_layer`` (1 = ink); their boxes."""
    height, width = ink_layer.shape
    count = len(picks)
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
    return boxes


def _photographed(paper: np.ndarray, ink_layer: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink on paper under uneven, tinted light, slightly soft and noisy: BGR uint8."""
    height, width = paper.shape
    ink_darkness = rng.uniform(0.55, 0.85)
    grey = paper * (1 - ink_darkness * np.clip(ink_layer, 0, 1))
    grey *= _uneven_light(width, height, rng)
    grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.4, 1.4))
    grey += rng.normal(0, rng.uniform(2, 6), grey.shape)
    grey = np.clip(grey, 0, 255).astype(np.uint8)
    tint = rng.uniform(0.92, 1.0, 3)  # warm or cool light
    return np.clip(grey[:, :, None] * tint[None, None, :], 0, 255).astype(np.uint8)


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
