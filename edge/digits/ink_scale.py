"""Ink as the reader measures it: how much darker a pixel is than the paper it lies on.

One scale for every paper estimate (smoothed, sharp, or the paper on both sides of a stroke),
so that one ink level and one set of thresholds hold for all of them.
"""

from __future__ import annotations

import numpy as np

GAIN = 2.5  # a stroke 40 % darker than its paper is full ink (255): pencil on white reads strong


def ink_against(grey: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """How much darker than ``paper`` each pixel of ``grey`` is: 0-255, ink bright."""
    ratio = grey.astype(np.float32) / np.maximum(paper.astype(np.float32), 1)
    return np.clip((1 - ratio) * 255 * GAIN, 0, 255).astype(np.uint8)
