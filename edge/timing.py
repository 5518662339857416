"""Per-stage stopwatches for the loop: the overlay shows them, the benchmark reports them."""

from __future__ import annotations

import contextlib
import time
from collections import deque

import numpy as np


class StageTimes:
    def __init__(self, window: int = 10_000):
        self.samples: dict[str, deque] = {}
        self.window = window
        self._frame: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            ms = (time.perf_counter() - started) * 1000
            self._frame[stage] = self._frame.get(stage, 0.0) + ms

    def end_frame(self) -> dict[str, float]:
        """Close the frame's books: record each stage's milliseconds and return them."""
        frame, self._frame = self._frame, {}
        for stage, ms in frame.items():
            self.samples.setdefault(stage, deque(maxlen=self.window)).append(ms)
        return frame

    def summary(self) -> dict[str, dict[str, float]]:
        return {stage: latency_stats(v) for stage, v in self.samples.items() if v}


def latency_stats(milliseconds) -> dict[str, float]:
    """p50, p95, p99 and max of some millisecond timings, as the reports print them."""
    return {
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 3),
        "p95_ms": round(float(np.percentile(milliseconds, 95)), 3),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 3),
        "max_ms": round(float(np.max(milliseconds)), 3),
    }


class OutputTimes:
    """What a viewer sees: each frame's latency from the moment the source delivered it to the
    moment its overlay is drawn and handed to the sinks, and the interval between hand-offs."""

    def __init__(self, window: int = 10_000):
        self.latency_ms: deque = deque(maxlen=window)
        self.interval_ms: deque = deque(maxlen=window)
        self._last: float | None = None

    def handed(self, delivered: float) -> tuple[float, float | None]:
        """A frame delivered at ``delivered`` (time.perf_counter) is handed to the sinks now:
        its latency and the interval since the last hand-off, in seconds."""
        now = time.perf_counter()
        latency = now - delivered
        interval = None if self._last is None else now - self._last
        self._last = now
        self.latency_ms.append(latency * 1000)
        if interval is not None:
            self.interval_ms.append(interval * 1000)
        return latency, interval

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        if self.latency_ms:
            out["latency"] = latency_stats(self.latency_ms)
        if self.interval_ms:
            out["interval"] = latency_stats(self.interval_ms)
        return out


class RateMeter:
    """Frames per second over the last ``window`` frames."""

    def __init__(self, window: int = 30):
        self.stamps: deque = deque(maxlen=window)

    def tick(self) -> float:
        self.stamps.append(time.perf_counter())
        if len(self.stamps) < 2:
            return 0.0
        return (len(self.stamps) - 1) / (self.stamps[-1] - self.stamps[0])


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    /proc's VmHWM counts only this program's own memory; getrusage's figure would
    also count the parent's pages a child briefly shared before exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
