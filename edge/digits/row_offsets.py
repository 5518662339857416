"""A sensor that offsets each row by its own amount (a rolling shutter's read-out, a cheap sensor
in poor light) draws a faint line across the whole picture at every row. The paper search reads
them as edges that cut a card into strips: the offsets are taken away first.
"""

from __future__ import annotations

import cv2
import numpy as np

# Grey levels: the median row's offset from its neighbours' when the sensor offsets rows. A
# picture whose rows are not offset has a median of none: an edge along a whole row (a plank, a
# table's edge) moves a few rows, not most of them.
OFFSET_ROWS = 0.5
# A sensor offsets each row by chance, as much as its neighbours or not; a page of print's lines
# are rows alike in brightness several at a time. The correlation of each row's offset with the next's:
ALIKE_NEXT = 0.2
ROWS_AROUND = 9  # the scene's brightness at a row is the median of this many rows' around it


def without_row_offsets(picture: np.ndarray) -> np.ndarray:
    """``picture`` (uint8) with each row's own offset taken away, when most rows have one; else
    ``picture`` itself."""
    offsets = row_offsets(picture)
    if np.median(np.abs(offsets)) < OFFSET_ROWS or _next_rows_alike(offsets) > ALIKE_NEXT:
        return picture
    return np.clip(picture - offsets[:, None] + 0.5, 0, 255).astype(np.uint8)


def row_offsets(picture: np.ndarray) -> np.ndarray:
    """Each row's offset from the rows around it, in grey levels. How much brighter each row is
    than the one above, as most of its pixels say, gives the picture's brightness row by row;
    what a median over nine rows does not keep of it is a row of its own, not the scene's (a
    median keeps a step from dark to light, such as a plank's edge)."""
    # Each row in blocks of 8 pixels, each the mean of its own: a block's rise is a fraction of
    # a grey level, as the offsets are, and 40 blocks to a row are few to take the median of.
    height, width = picture.shape[:2]
    along_rows = cv2.resize(picture.astype(np.float32), (max(1, width // 8), height), interpolation=cv2.INTER_AREA)
    rise = np.median(np.diff(along_rows, axis=0), axis=1)
    profile = np.concatenate([[0.0], np.cumsum(rise)])
    middle = ROWS_AROUND // 2
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(profile, middle, mode="edge"), ROWS_AROUND)
    return profile - np.partition(windows, middle, axis=1)[:, middle]


def _next_rows_alike(offsets: np.ndarray) -> float:
    """How alike each row's offset is to the next row's: their correlation (offsets from a median
    have a mean of about none)."""
    return float(np.dot(offsets[1:], offsets[:-1]) / max(float(np.dot(offsets, offsets)), 1e-6))
