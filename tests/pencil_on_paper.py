"""Digits written in pencil on a sheet of paper, for the reader's tests."""

from __future__ import annotations

import numpy as np


def on_paper(ink: np.ndarray, left: int, rng) -> np.ndarray:
    """Ink (0-255, 98 rows high) written in pencil from column ``left`` of a 140 x 260 sheet at grey 215, and
    the sensor's noise."""
    paper = np.full((140, 260), 215, np.float32)
    paper[20:118, left : left + ink.shape[1]] *= 1 - 0.8 * ink / 255
    return np.clip(paper + rng.normal(0, 2, paper.shape), 0, 255).astype(np.uint8)
