"""A video file played in real time, as a camera gives frames: for measuring the loop against a
camera's pace on a machine that has none (``--pace FPS``).

Frame i is ready at start + i / fps whether or not the loop took frame i - 1, and the file
starts again at its end. Read through a LiveSource, a loop slower than the pace skips frames
exactly as it would behind a real camera, and each frame's latency starts when it was due.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.errors import DataError


class PacedFile:
    """What LiveSource reads (a cv2.VideoCapture's isOpened, read, get, release) from a file."""

    def __init__(self, path: Path, fps: float):
        self.capture = cv2.VideoCapture(str(path))
        if not self.capture.isOpened():
            raise DataError(f"{path} is not a video OpenCV can read.")
        self.fps = fps
        self.started: float | None = None
        self.index = 0

    def isOpened(self) -> bool:  # cv2.VideoCapture's name
        return self.capture.isOpened()

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.started is None:
            self.started = time.perf_counter()
        wait = self.started + self.index / self.fps - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        self.index += 1
        ok, frame = self.capture.read()
        if not ok:  # the end: again from the start, as a camera never ends
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.capture.read()
        return ok, frame

    @property
    def position(self) -> int:
        """The number of the frame read last, counted from the start and on through each loop."""
        return self.index - 1

    def get(self, prop: int) -> float:
        return self.fps if prop == cv2.CAP_PROP_FPS else float(self.capture.get(prop))

    def release(self) -> None:
        self.capture.release()
