"""Percentiles of an image by partial sort: the nearest rank below, no interpolation.

np.partition orders only around the ranks asked for, several times cheaper than np.percentile
on a frame's worth of pixels, and the reader takes such percentiles on every read.
"""

from __future__ import annotations

import numpy as np


def percentiles(values: np.ndarray, shares: tuple[float, ...]) -> list[float]:
    """The values at ``shares`` (0-1) of ``values``, flattened and sorted."""
    flat = values.ravel()
    ranks = [int(share * (flat.size - 1)) for share in shares]
    return [float(v) for v in np.partition(flat, ranks)[ranks]]
