"""Whether a card shows something new since it was last read."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.ranks import percentiles


class ContentChange:
    """Whether the ROI shows something new since it was last read, a hand's shake aside.

    A card held in a hand moves by a pixel or two every frame, which changes its thumbnail as
    much as a new digit does on average; a new digit, though, changes a few cells by far more.
    So the shift between the two thumbnails (4 px cells) is measured and undone first (phase
    correlation), and the largest cell change decides. On the bench clip (a card shaken by up
    to 2 px a frame) the same card changed a cell by at most 46 grey levels, and one digit
    replaced by another's changed one by 115 or more.

    A dim card shows the same change in fewer grey levels, so the level scales down with the
    region's own contrast. And a shift of more than a cell is news whatever else: the card has
    moved out from where it was found, and must be followed or looked for again.

    Where no cell changed by the level even with the shake left in (a card held still, most
    frames), nothing is news, and the shift is measured only if asked for (``shift``, pixels: the
    card found at the last read is there now), which the stage does only when it reads the card.
    """

    CELL = 4  # pixels of the ROI per thumbnail cell
    LEVEL = 70.0  # grey levels a cell must change by, once the shake is undone, to be news
    LEVEL_SHARE = 0.45  # ... or this share of the region's contrast, if that is less
    MIN_LEVEL = 10.0  # but never less: sensor noise
    MOVED = 1.5  # cells of shift that mean the card has moved (a shake of 2 px each way is 1 cell apart)

    def __init__(self) -> None:
        self.last: np.ndarray | None = None
        self._level = self.LEVEL
        self._window: np.ndarray | None = None
        self._now: np.ndarray | None = None  # the thumbnail last called
        self._moved: tuple[float, float] | None = (0.0, 0.0)  # its shift from ``last`` in cells; None: not measured
        self._region = (1, 1)  # the last called region's height and width, in pixels

    @property
    def shift(self) -> tuple[float, float]:
        """x, y: how far the region's content moved from ``seen`` to the last call, in its pixels."""
        (dx, dy), (height, width) = self._cell_shift(), self._region
        cells_high, cells_wide = self._now.shape if self._now is not None else (1, 1)
        return dx * width / cells_wide, dy * height / cells_high

    def __call__(self, roi: np.ndarray) -> bool:
        """Whether ``roi`` differs from the last ``roi`` called ``seen``."""
        thumb = self._now = self._thumb(roi)
        self._region = roi.shape[:2]
        self._moved = (0.0, 0.0)
        if self.last is None or self.last.shape != thumb.shape or min(thumb.shape) < 8:
            return True
        self._moved = None
        inner = (slice(2, -2), slice(2, -2))  # the border came from outside the ROI
        if float(np.abs(thumb[inner] - self.last[inner]).max()) < self._level:
            return False  # no cell changed by the level even with the shake left in
        dx, dy = self._cell_shift()
        if max(abs(dx), abs(dy)) > self.MOVED:
            return True
        back = np.array([[1, 0, -dx], [0, 1, -dy]], np.float32)
        moved = cv2.warpAffine(thumb, back, (thumb.shape[1], thumb.shape[0]), borderMode=cv2.BORDER_REPLICATE)
        return float(np.abs(moved[inner] - self.last[inner]).max()) >= self._level

    def _cell_shift(self) -> tuple[float, float]:
        """The last call's shift from ``seen`` in thumbnail cells, measured once (phase correlation)."""
        if self._moved is None and self.last is not None and self._now is not None:
            if self._window is None or self._window.shape != self._now.shape:
                self._window = cv2.createHanningWindow((self._now.shape[1], self._now.shape[0]), cv2.CV_32F)
            (dx, dy), _ = cv2.phaseCorrelate(self.last, self._now, self._window)
            self._moved = (dx, dy)
        return self._moved or (0.0, 0.0)

    def seen(self, roi: np.ndarray) -> None:
        self.last = self._thumb(roi)
        self._moved = (0.0, 0.0)
        low, high = percentiles(self.last, (0.02, 0.98))
        self._level = min(self.LEVEL, max(self.MIN_LEVEL, self.LEVEL_SHARE * (high - low)))

    def _thumb(self, roi: np.ndarray) -> np.ndarray:
        grey = roi if roi.ndim == 2 else cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY)
        size = (max(1, grey.shape[1] // self.CELL), max(1, grey.shape[0] // self.CELL))
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)
