"""The loop's digit stage: cut the ROI out of the frame, read it, and settle the text over frames."""

from __future__ import annotations

from collections import Counter, deque

import numpy as np

from edge.digit_model import DigitModel
from edge.digit_reader import DigitReader, Reading, ReaderSettings
from edge.errors import ConfigError


class Stabilizer:
    """The text most often read over the last frames, so one bad frame does not flip it."""

    def __init__(self, frames: int):
        self.history: deque = deque(maxlen=frames)

    def __call__(self, reading: Reading) -> Reading:
        self.history.append(reading)
        text, _ = Counter(r.text for r in self.history).most_common(1)[0]
        latest = next(r for r in reversed(self.history) if r.text == text)
        agreeing = [r.confidence for r in self.history if r.text == text]
        share = len(agreeing) / len(self.history)
        return Reading(text, float(np.mean(agreeing)) * share, latest.digits)


class DigitStage:
    def __init__(self, model_path: str, roi: list[int], threads: int, min_probability: float, stable_frames: int):
        self.reader = DigitReader(DigitModel(model_path, threads), ReaderSettings(min_probability=min_probability))
        self.roi = tuple(roi) if roi else None
        self.stabilize = Stabilizer(stable_frames)
        self._checked = False

    def region(self, frame: np.ndarray) -> tuple[int, int, int, int]:
        height, width = frame.shape[:2]
        if self.roi is None:
            return 0, 0, width, height
        x, y, w, h = self.roi
        if not self._checked and (x + w > width or y + h > height):
            raise ConfigError(f"The ROI {x},{y},{w},{h} reaches outside the {width}x{height} frame; "
                              "set digits.roi (or --roi) inside it.")
        self._checked = True
        return self.roi

    def __call__(self, frame: np.ndarray) -> Reading:
        x, y, w, h = self.region(frame)
        return self.stabilize(self.reader.read(frame[y:y + h, x:x + w]))
