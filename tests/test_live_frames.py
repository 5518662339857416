"""A live source keeps only the newest frame: what it replaced is counted, and a frame's latency
starts when the camera gave it, not when the loop took it."""

from __future__ import annotations

import threading
import time

import numpy as np

from edgecam.edge.sources.capture import LiveSource


class PacedCamera:
    """A camera giving a numbered frame every ``period`` seconds, as a capture device does."""

    def __init__(self, period: float):
        self.period, self.made, self.next_at = period, 0, time.perf_counter()
        self.lock = threading.Lock()

    def isOpened(self) -> bool:  # cv2.VideoCapture's name
        return True

    def read(self):
        delay = self.next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        self.next_at += self.period
        with self.lock:
            self.made += 1
            return True, np.full((4, 4, 3), self.made % 256, np.uint8)

    def get(self, _prop) -> float:
        return 1 / self.period

    def release(self) -> None:
        pass


def test_a_slow_loop_skips_frames_and_their_latency_counts_the_wait():
    camera = PacedCamera(period=0.01)  # 100 frames a second
    source = LiveSource(lambda: camera, "a paced camera")
    taken, waits = 0, []
    try:
        for _ in range(20):
            time.sleep(0.05)  # a loop five times slower than the camera
            frame = source.read()
            assert frame is not None
            taken += 1
            waits.append(time.perf_counter() - source.captured_at)
        made = camera.made
    finally:
        source.close()
    # Every frame the camera made was either taken or counted as skipped (one may be in the slot).
    assert made - 1 <= taken + source.skipped <= made
    assert source.skipped >= 3 * taken
    # Each taken frame was the newest, so it had waited less than a camera period (and a little for
    # the threads to hand over), never the loop's 50 ms.
    assert max(waits) < 0.045 and min(waits) >= 0


def test_a_fast_loop_skips_nothing():
    camera = PacedCamera(period=0.02)
    source = LiveSource(lambda: camera, "a paced camera")
    try:
        frames = [source.read() for _ in range(30)]  # read as soon as each arrives
    finally:
        source.close()
    assert all(frame is not None for frame in frames)
    assert source.skipped <= 1  # the first frame may have been replaced while the source started
