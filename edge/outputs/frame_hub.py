"""The newest annotated frame, handed from the loop to any number of web viewers.

The loop only drops a reference here (no copy, no encoding: it never waits for
a viewer). Viewers ask for "a frame newer than the one I have"; the first to
ask encodes it to JPEG and the rest get the same bytes, so a frame is encoded
at most once, and only when someone is watching. A slow viewer just skips
frames.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import cv2
import numpy as np


class FrameHub:
    def __init__(self, quality: int = 80):
        self.quality = quality
        self.encoded = 0  # JPEGs made, for /metrics and the tests
        self.encode_ms: deque = deque(maxlen=1000)  # for the benchmark's report
        self._condition = threading.Condition()
        self._frame: np.ndarray | None = None
        self._index = 0  # how many frames were published
        self._jpeg: bytes | None = None
        self._jpeg_index = 0
        self._encode_lock = threading.Lock()
        self.closed = False

    def publish(self, frame: np.ndarray) -> None:
        """Called by the loop after drawing; the frame is not touched again by the loop."""
        with self._condition:
            self._frame, self._index = frame, self._index + 1
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self.closed = True
            self._condition.notify_all()
        # Wait out an encode in flight, and none starts after this: a viewer's thread still inside
        # OpenCV while the interpreter exits can abort the process ("terminate called without an
        # active exception", seen once in the test suite under load).
        with self._encode_lock:
            pass

    def next_jpeg(self, after: int, timeout: float) -> tuple[int, bytes | None]:
        """(index, JPEG) of a frame newer than ``after``; (after, None) if none came within ``timeout``."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._index > after or self.closed, timeout) or self.closed:
                return after, None
        return self.latest_jpeg()

    def latest_jpeg(self) -> tuple[int, bytes | None]:
        """(index, JPEG) of the newest frame, encoding it if no one has yet; (0, None) before the first frame."""
        with self._encode_lock:  # viewers take turns: the second one reuses the first one's bytes
            with self._condition:
                frame, index = self._frame, self._index
            if frame is None:
                return 0, None
            if self._jpeg_index != index and not self.closed:
                started = time.perf_counter()
                ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
                self.encode_ms.append((time.perf_counter() - started) * 1000)
                if ok:
                    self._jpeg, self._jpeg_index = data.tobytes(), index
                    self.encoded += 1
            return self._jpeg_index, self._jpeg
