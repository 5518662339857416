"""The loop's digit stage: cut the ROI out of the frame, read it, and settle the text over frames."""

from __future__ import annotations

from collections import Counter, deque

import cv2
import numpy as np

from edgecam.edge.digits.model import DigitModel
from edgecam.edge.digits.reader import DigitReader, ReaderSettings, Reading
from edgecam.edge.errors import ConfigError
from edgecam.edge.faces.detect import Box


class Stabilizer:
    """Keeps the text steady: a new text is shown at once when it is read with confidence,
    otherwise only once the last frames agree on it, so a blurred frame does not flip it."""

    SURE = 0.5

    def __init__(self, frames: int):
        self.history: deque = deque(maxlen=frames)
        self.shown: Reading | None = None

    def __call__(self, reading: Reading) -> Reading:
        self.history.append(reading)
        text, votes = Counter(r.text for r in self.history).most_common(1)[0]
        if reading.confidence >= self.SURE or self.shown is None:
            self.shown = reading
        elif text != self.shown.text and votes > len(self.history) // 2:
            latest = next(r for r in reversed(self.history) if r.text == text)
            agreeing = [r.confidence for r in self.history if r.text == text]
            self.shown = Reading(text, float(np.mean(agreeing)) * votes / len(self.history), latest.digits)
        return self.shown


class CardWarp:
    """Four corners of a tilted card or display -> an upright rectangle, so digits are read
    as if the card faced the camera."""

    def __init__(self, corners: list[int]):
        quad = np.array(corners, np.float32).reshape(4, 2)
        width = int(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
        height = int(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
        target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
        self.matrix = cv2.getPerspectiveTransform(quad, target)
        self.size = (max(width, 1), max(height, 1))
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        self.bounds = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        return cv2.warpPerspective(
            frame, self.matrix, self.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )


class ContentChange:
    """Whether the ROI shows something new since it was last read, a hand's shake aside.

    A card held in a hand moves by a pixel or two every frame, which changes its thumbnail as
    much as a new digit does on average; a new digit, though, changes a few cells by far more.
    So the shift between the two thumbnails (4 px cells) is measured and undone first (phase
    correlation), and the largest cell change decides. On the bench clip (a card shaken by up
    to 2 px a frame) the same card changed a cell by at most 46 grey levels, and one digit
    replaced by another's changed one by 115 or more.
    """

    CELL = 4  # pixels of the ROI per thumbnail cell
    LEVEL = 70.0  # grey levels a cell must change by, once the shake is undone, to be news

    def __init__(self) -> None:
        self.last: np.ndarray | None = None
        self._window: np.ndarray | None = None

    def __call__(self, roi: np.ndarray) -> bool:
        """Whether ``roi`` differs from the last ``roi`` called ``seen``."""
        thumb = self._thumb(roi)
        if self.last is None or self.last.shape != thumb.shape or min(thumb.shape) < 8:
            return True
        if self._window is None or self._window.shape != thumb.shape:
            self._window = cv2.createHanningWindow((thumb.shape[1], thumb.shape[0]), cv2.CV_32F)
        (dx, dy), _ = cv2.phaseCorrelate(self.last, thumb, self._window)
        back = np.array([[1, 0, -dx], [0, 1, -dy]], np.float32)
        moved = cv2.warpAffine(thumb, back, (thumb.shape[1], thumb.shape[0]), borderMode=cv2.BORDER_REPLICATE)
        inner = (slice(2, -2), slice(2, -2))  # the border came from outside the ROI
        return float(np.abs(moved[inner] - self.last[inner]).max()) >= self.LEVEL

    def seen(self, roi: np.ndarray) -> None:
        self.last = self._thumb(roi)

    def _thumb(self, roi: np.ndarray) -> np.ndarray:
        grey = roi if roi.ndim == 2 else cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY)
        size = (max(1, grey.shape[1] // self.CELL), max(1, grey.shape[0] // self.CELL))
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)


class DigitStage:
    """Reads the ROI, but only when it shows something new: a card held still, or shaking in a
    hand, is read once, and again every REREAD_AFTER frames."""

    REREAD_AFTER = 15

    def __init__(
        self,
        model_path: str,
        roi: list[int],
        threads: int,
        min_probability: float,
        stable_frames: int,
        corners: list[int] | None = None,
    ):
        self.reader = DigitReader(DigitModel(model_path, threads), ReaderSettings(min_probability=min_probability))
        self.stable_frames = stable_frames
        self.reads = 0
        self.move_to(roi, corners)

    def move_to(self, roi: list[int], corners: list[int] | None = None) -> None:
        """Read another region from the next frame on (the live page's setup), from a fresh start."""
        self.warp = CardWarp(corners) if corners else None
        self.roi: Box | None = self.warp.bounds if self.warp else ((roi[0], roi[1], roi[2], roi[3]) if roi else None)
        self.stabilize = Stabilizer(self.stable_frames)
        self._checked = False
        self._change = ContentChange()
        self._unread = 0  # frames since the ROI was last read
        self._last: Reading | None = None
        self._raw_text = ""

    def region(self, frame: np.ndarray) -> tuple[int, int, int, int]:
        height, width = frame.shape[:2]
        if self.roi is None:
            return 0, 0, width, height
        x, y, w, h = self.roi
        if not self._checked and (x + w > width or y + h > height):
            raise ConfigError(
                f"The ROI {x},{y},{w},{h} reaches outside the {width}x{height} frame; "
                "set digits.roi (or --roi) inside it."
            )
        self._checked = True
        return x, y, w, h

    def __call__(self, frame: np.ndarray) -> Reading:
        x, y, w, h = self.region(frame)
        roi = self.warp(frame) if self.warp else frame[y : y + h, x : x + w]
        last = self._last
        settled = last is not None and last.text == self._raw_text
        self._unread += 1
        # A reading also grows stale: one made through a blur the change test does not see as new
        # (a shake, a moment of bad light) is made again within half a second at most.
        if last is not None and settled and self._unread < self.REREAD_AFTER and not self._change(roi):
            return last  # nothing new in the ROI and the vote agrees with it: the reading stands
        self._change.seen(roi)
        self._unread = 0
        self.reads += 1
        raw = self.reader.read(roi)
        self._raw_text = raw.text
        self._last = reading = self.stabilize(raw)
        return reading
