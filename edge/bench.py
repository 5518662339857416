"""The measuring side of ``edgecam bench``: decode once, run the real pipeline, time every stage.

Frames are decoded up front (decode is timed on its own as ``capture``), then the
pipeline runs on them exactly as ``edgecam run`` would, without sinks, so a
baseline loop can run on the very same frames in the same process.
"""

from __future__ import annotations

import time

import numpy as np

from edge.config import Config
from edge.loop import Pipeline
from edge.sources import open_source


def decode(source_spec: str, frames: int) -> tuple[list[np.ndarray], list[float]]:
    """Up to ``frames`` frames of the source (a file is looped) and each one's decode milliseconds."""
    source = open_source(source_spec, loop=True)
    decoded, times = [], []
    try:
        while len(decoded) < frames:
            started = time.perf_counter()
            frame = source.read()
            if frame is None:
                break
            times.append((time.perf_counter() - started) * 1000)
            decoded.append(frame)
    finally:
        source.close()
    return decoded, times


def measure(process, frames: list[np.ndarray]) -> dict:
    """Run ``process(frame, index)`` over the frames; wall time, CPU share and the events."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    events = [process(frame.copy(), index) for index, frame in enumerate(frames)]
    wall = time.perf_counter() - wall0
    return {"fps": len(frames) / wall, "frames": len(frames), "seconds": round(wall, 3),
            "cpu_percent": round(100 * (time.process_time() - cpu0) / wall, 1), "events": events}


def run_pipeline(config: Config, frames: list[np.ndarray], decode_ms: list[float]) -> dict:
    pipeline = Pipeline(config)

    def process(frame, index):
        event = pipeline.process(frame, index)
        pipeline.times.end_frame()
        return event

    result = measure(process, frames)
    stages = {"capture": _stats(decode_ms), **pipeline.times.summary()}
    result["stages"] = stages
    return result


def _stats(values: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(values, 50)), 3), "p95_ms": round(float(np.percentile(values, 95)), 3),
            "max_ms": round(float(np.max(values)), 3)}
