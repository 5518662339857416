"""Digits set in the typefaces matplotlib ships (DejaVu, STIX, Computer Modern), MNIST-style.

A card written in careful block figures looks more like these than like MNIST's schoolroom
hand: a 1 with a flag and a foot, a 6 with a bowed stem, a 4 closed at the top. MNIST has few
of them, and the model was unsure of every such digit. Mixed into training (augmented like the
rest), they teach those shapes. The benchmark's other writers are drawn by code training never
calls: OpenCV's Hershey fonts and scikit-learn's scans.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import matplotlib
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from edgecam.edge.digits.reader import mnist_crop

TYPEFACES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "STIXGeneralBolIta.ttf",
    "cmr10.ttf",
    "cmb10.ttf",
    "cmss10.ttf",
    "cmti10.ttf",
    "cmtt10.ttf",
)
GLYPH_SIZE = 80  # points, drawn as pixels: large enough that the 20-pixel fit is anti-aliased


def printed_digits() -> tuple[np.ndarray, np.ndarray]:
    """Each digit in each typeface: 28x28 uint8 images (white on black, MNIST's framing) and labels."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    images, labels = [], []
    for name in TYPEFACES:
        face = FontProperties(fname=folder / name)
        for digit in range(10):
            outlines = TextPath((0, 0), str(digit), size=GLYPH_SIZE, prop=face).to_polygons()
            images.append(_glyph([np.asarray(outline, np.float64) for outline in outlines]))
            labels.append(digit)
    return np.stack(images), np.array(labels, np.int64)


def _glyph(outlines: list[np.ndarray]) -> np.ndarray:
    points = np.concatenate(outlines)
    low, high = points.min(axis=0), points.max(axis=0)
    width, height = (np.ceil(high - low) + 4).astype(int)
    canvas = np.zeros((height, width), np.uint8)
    # Font outlines have y up; the picture has y down. Inner outlines (the hole of a 0) are
    # filled even-odd, so they stay open.
    flipped = [np.round((outline - low) * [1, -1] + [2, high[1] - low[1] + 2]).astype(np.int32) for outline in outlines]
    cv2.fillPoly(canvas, flipped, 255, cv2.LINE_AA)
    return mnist_crop(canvas, (0, 0, width, height))
