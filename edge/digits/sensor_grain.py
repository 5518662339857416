"""A grainy picture smoothed before its ink is measured.

A camera's gain lifts its sensor's noise with the picture. On paper little brighter than the ink
(a dim card, a soft pencil) the ink map scales that noise up with the ink, and the mask's
hysteresis joins the specks into marks as tall as a digit, which make a card unsure or add a
digit. A slight blur takes the grain out. It is applied only where the grain is strong: on a
clean card it would soften the strokes the model reads. The card search measures the grain its
own way (``gradient_noise``): its edge level must stand above it.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.ranks import grey_percentiles

GRAINY = 0.02  # of the paper's brightness: pixel-to-pixel noise this strong is smoothed
BLUR = 1.0  # pixels (a Gaussian's sigma): well under a pen stroke's width on an upright card
NORMAL_SPREAD = 1.4826  # a median absolute deviation times this is a normal distribution's sigma


def grain(grey: np.ndarray) -> float:
    """How far a pixel differs from the median of the 5 x 5 pixels round it, as a share of the
    paper's brightness (scaled to a standard deviation). Strokes and edges are a small part of a
    card: the median sees the noise. A camera's demosaicking spreads its grain into specks a pixel
    or two across, and a 3 x 3 median follows such specks: it measured our own sensor's grain
    (``tests/finder_tuning_scenes.grainy``) as the same at 12 grey levels as at 8, and 4 as none."""
    deviation = cv2.absdiff(grey, cv2.medianBlur(grey, 5))
    (noise,), (paper,) = grey_percentiles(deviation, (0.5,)), grey_percentiles(grey, (0.9,))
    return NORMAL_SPREAD * noise / max(paper, 1.0)


def without_grain(grey: np.ndarray) -> np.ndarray:
    """``grey`` smoothed if it is grainy, else ``grey`` itself."""
    return cv2.GaussianBlur(grey, (0, 0), BLUR) if grain(grey) > GRAINY else grey


def gradient_noise(small: np.ndarray, block: int = 16, plainest: float = 5) -> float:
    """How steep the picture is where it is plainest: the median gradient in each ``block`` x
    ``block`` patch (every other pixel of it), at the ``plainest`` percentile of the patches. Some
    patches are plain paper or plain desk, where the gradient is the sensor's noise alone; texture
    covers the rest."""
    across = cv2.Sobel(small, cv2.CV_32F, 1, 0)
    down = cv2.Sobel(small, cv2.CV_32F, 0, 1)
    gradient = cv2.magnitude(across, down)[::2, ::2]
    side = block // 2
    rows, columns = gradient.shape[0] // side, gradient.shape[1] // side
    if rows == 0 or columns == 0:
        return 0.0
    patches = gradient[: rows * side, : columns * side].reshape(rows, side, columns, side).swapaxes(1, 2)
    return float(np.percentile(np.median(patches.reshape(rows, columns, -1), axis=2), plainest))
