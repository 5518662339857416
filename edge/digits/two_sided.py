"""Ink is darker than the paper on both sides of it; a shadow's edge is darker on one side only.

Flat-fielding divides the picture by an estimate of the paper's light, and no smooth estimate
follows a hard shadow's edge exactly: along the edge the shaded side reads as a line of "ink"
(a mark in pieces, a faint mark, a stroke joined to a digit). A pen stroke has paper on both
sides of it in some direction; a step in the light has brighter paper on one side and shaded
paper on the other, in every direction. This module measures the first and not the second.

The reader uses it where a dark patch on the card is taken for a shadow, and to judge a faint mark
or a mark that is no digit apart from the digits read (a shadow too faint to be taken for a patch
still leaves its edge). A hand's edge is a step too, and the "ink" along it is what keeps half a
digit beside a thumb from passing for a whole one, so elsewhere the flattened picture stands
(docs/benchmarks.md, fourteenth, twenty-ninth and forty-second passes).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from edgecam.edge.digits.blobs import blobs
from edgecam.edge.digits.ink_scale import ink_against
from edgecam.edge.digits.segment import BLOT, Box, reaches_in

DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))
STROKES = 0.5  # of a digit's pixels ink on both sides: fewer, and the "digit" may be a step too


def only_two_sided(grey: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """``ink`` (an ink map of ``grey``, 0-255) only as strong as the pixel is darker than the paper
    on both sides of it."""
    # A stroke's edge is seen only where paper lies on its far side within reach: a quarter of the
    # height sees a broad marker's stroke whole (docs/benchmarks.md has the reaches tried).
    return np.minimum(ink, darker_than_both_sides(grey, grey.shape[0] // 4))


def without_steps(
    grey: np.ndarray, ink: np.ndarray, mask: np.ndarray, digits: list[Box], level: float, speck: int
) -> np.ndarray | None:
    """``mask`` (``ink`` above ``level``) without the marks beside the ``digits`` that are darker
    than the paper on one side only, all but a ``speck`` of their pixels: what is left of a
    shadow's edge too faint to be found as a dark patch. None when there are none, or when a digit
    itself is mostly such a step (then it may be no digit, and the marks no clue either way).

    A hand's edge is a step too. The mark along it holds what shows of a digit half under the
    hand, ink on both sides, so it stays; so does a large patch reaching in from the border, or a
    blot: what they may hide is judged by the patch."""
    height, width = mask.shape[:2]
    count, labels, stats = blobs(mask)
    # Each blob's pixels that are ink on both sides, counted in one pass over the picture.
    two_sided = np.bincount(labels[only_two_sided(grey, ink) >= level], minlength=count)
    steps = []
    for index in range(1, count):
        x, y, w, h, area = (int(value) for value in stats[index])
        if any(dx <= x and dy <= y and x + w <= dx + dw and y + h <= dy + dh for dx, dy, dw, dh in digits):
            if two_sided[index] < STROKES * area:
                return None
            continue
        large = reaches_in(x, y, w, h, area, mask.shape) or area > BLOT * width * height
        if not large and two_sided[index] < speck:
            steps.append(index)
    if not steps:
        return None
    kept = mask.copy()
    kept[np.isin(labels, steps)] = 0
    return kept


def darker_than_both_sides(grey: np.ndarray, reach: int) -> np.ndarray:
    """How much darker each pixel is than the darker of two points on either side of it (the
    same direction, the same distance up to ``reach``), at best over directions and distances,
    on the reader's ink scale (0-255, ink bright). A stroke's edge pixel needs paper
    on the stroke's far side, so ``reach`` is the widest stroke seen whole; a wider dark band is
    seen only in its middle, and a step in the light not at all."""
    sides = np.zeros_like(grey)
    for kernel in _two_point_kernels(max(2, reach)):
        # The darker of the two points: one erosion by a two-point kernel. Beyond the border is
        # dark, so a pair reaching out is no evidence (clamped, it left the pixel's line and made
        # "ink" where a shadow's edge meets the border).
        np.maximum(sides, cv2.erode(grey, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0), out=sides)
    return ink_against(grey, sides)


@lru_cache(maxsize=32)
def _two_point_kernels(reach: int) -> tuple[np.ndarray, ...]:
    # Distances doubling up to the reach (a dozen or so erosions, not one per distance): paper
    # beyond a stroke at one distance is as a rule still paper at the next doubling.
    distances = [2]
    while distances[-1] * 2 < reach:
        distances.append(distances[-1] * 2)
    distances.append(reach)
    kernels = []
    for dx, dy in DIRECTIONS:
        for d in sorted(set(distances)):
            kernel = np.zeros((2 * d + 1, 2 * d + 1), np.uint8)
            kernel[d + dy * d, d + dx * d] = kernel[d - dy * d, d - dx * d] = 1
            kernels.append(kernel)
    return tuple(kernels)
