"""The running loop's frames for a worker that wants them (live enrolment), without ever making
the loop wait: the loop offers each frame, the newest two are kept, older ones are dropped."""

from __future__ import annotations

import contextlib
import queue
import time

import numpy as np


class FrameTap:
    def __init__(self, seconds: float, keep: int = 2):
        self.deadline = time.monotonic() + seconds
        self._frames: queue.Queue = queue.Queue(maxsize=keep)
        self.closed = False

    def offer(self, frame: np.ndarray) -> None:
        """The loop's side: a copy, and never a wait (a full queue loses its oldest frame)."""
        if self.closed:
            return
        try:
            self._frames.put_nowait(frame.copy())
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                self._frames.get_nowait()
            self._frames.put_nowait(frame.copy())

    def read(self) -> np.ndarray | None:
        """The worker's side (a source for enroll.capture): the next frame, or None once time is up."""
        while not self.closed and (left := self.deadline - time.monotonic()) > 0:
            try:
                return self._frames.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
        return None

    def close(self) -> None:
        self.closed = True
