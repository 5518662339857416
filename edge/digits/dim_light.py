"""A picture taken in a dim room, brightened to full scale by a gain before a search.

The searches' levels are grey levels: in a dim room a card's edge, or a marker's black against
its white, is only a few levels high and falls under them. A gain keeps brightness ratios, so the
brightened picture is searched as in daylight; a picture with paper in daylight in it is
searched as it is.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.ranks import percentiles

DIM = 160  # grey levels: a picture whose brightest hundredth is darker than this is brightened
DIM_TO = 230  # so that its brightest hundredth reaches this


def brightened(grey: np.ndarray, every: int = 2) -> np.ndarray:
    """``grey`` at full scale if it is dim, else ``grey`` itself. The brightest hundredth is taken
    over every ``every``-th pixel each way: near enough, and ``every`` squared times cheaper."""
    (top,) = percentiles(grey[::every, ::every], (0.99,))
    if top >= DIM:
        return grey
    return cv2.convertScaleAbs(grey, alpha=DIM_TO / max(top, 1.0))
