"""What the loop is doing, for the people watching it: Prometheus metrics and a health verdict.

The loop writes (one frame's stage times, a camera lost or back, a face or a
reading that changed); the web server and the MQTT link read. Each run has its
own registry, so two loops in one process never mix their counters.
"""

from __future__ import annotations

import threading
import time

import prometheus_client
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from edgecam import __version__

# Stage latencies on a Pi range from a fraction of a millisecond (digits) to tens (detection).
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
STALL_SECONDS = 5.0  # no frame for this long and the loop counts as stalled

prometheus_client.disable_created_metrics()  # *_created series only double the size of every scrape


class Telemetry:
    def __init__(self, stall_seconds: float = STALL_SECONDS):
        self.stall_seconds = stall_seconds
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        Gauge("edgecam_build_info", "edgecam version", ["version"], registry=r).labels(__version__).set(1)
        self.frames = Counter("edgecam_frames_processed", "Frames run through the whole pipeline", registry=r)
        self.fps_gauge = Gauge("edgecam_fps", "Frames per second over the last 30 frames", registry=r)
        self.stage_latency = Histogram(
            "edgecam_stage_latency_seconds",
            "Time one frame spent in each stage",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.frame_latency = Histogram(
            "edgecam_frame_latency_seconds", "Time one frame spent in all stages", buckets=LATENCY_BUCKETS, registry=r
        )
        self.output_latency = Histogram(
            "edgecam_output_latency_seconds",
            "From the source delivering a frame to its overlay being handed to the sinks",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.output_interval = Histogram(
            "edgecam_output_interval_seconds",
            "Between two frames handed to the sinks (a hitch shows as a long one)",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.faces_seen = Counter(
            "edgecam_faces_seen", "Faces that came into view or changed name, by name", ["name"], registry=r
        )
        self.faces_in_view = Gauge("edgecam_faces_in_view", "Faces in the current frame", registry=r)
        self.digits_read = Counter("edgecam_digits_read", "New digit readings in the ROI (after the vote)", registry=r)
        self.undecodable = Counter(
            "edgecam_frames_undecodable",
            "Frames of a file or folder that would not decode and were skipped",
            registry=r,
        )
        self.skipped = Counter(
            "edgecam_frames_skipped",
            "Frames skipped: by=camera, a newer camera frame replaced them before the loop took them; "
            "by=faces, the face worker had no time for them (drawn with the faces found last)",
            ["by"],
            registry=r,
        )
        self.reconnects = Counter("edgecam_camera_reconnects", "Times the camera was lost and came back", registry=r)
        self.camera_up = Gauge(
            "edgecam_camera_up", "1 while the camera delivers frames, 0 while it is lost", registry=r
        )
        self.last_frame_time = Gauge("edgecam_last_frame_timestamp_seconds", "Unix time of the last frame", registry=r)
        self.camera_up.set(1)  # the loop is built after the source opened
        self.fps = 0.0
        self.frame_count = 0
        self.camera_lost = False
        self.started = time.time()
        self.last_event: dict = {}
        self._last_frame = 0.0  # monotonic
        self._lock = threading.Lock()

    # --- written by the loop -------------------------------------------------------------
    def frame_done(
        self, stage_ms: dict[str, float], fps: float, event: dict, output: tuple[float, float | None] = (0.0, None)
    ) -> None:
        """``output``: the frame's latency and the interval since the last one (OutputTimes.handed)."""
        latency, interval = output
        self.output_latency.observe(latency)
        if interval is not None:
            self.output_interval.observe(interval)
        for stage, ms in stage_ms.items():
            self.stage_latency.labels(stage).observe(ms / 1000)
        self.frame_latency.observe(sum(stage_ms.values()) / 1000)
        self.frames.inc()
        self.fps_gauge.set(fps)
        self.faces_in_view.set(len(event.get("faces", ())))
        self.last_frame_time.set(time.time())
        with self._lock:
            self.fps, self.last_event = fps, event
            self.frame_count += 1
            self._last_frame = time.monotonic()

    def stages_done(self, stage_ms: dict[str, float]) -> None:
        """Stage times measured off the frame path (the face worker's, one of its frames)."""
        for stage, ms in stage_ms.items():
            self.stage_latency.labels(stage).observe(ms / 1000)

    def change(self, happening: dict) -> None:
        """A face or a reading changed (see edge.scene_changes)."""
        kind = happening["event"]
        if kind in ("face_appeared", "face_renamed"):
            self.faces_seen.labels(happening["name"]).inc()
        if kind == "digits_changed" and happening["text"]:
            self.digits_read.inc()

    def camera_gone(self) -> None:
        self.camera_lost = True
        self.camera_up.set(0)

    def camera_back(self) -> None:
        self.camera_lost = False
        self.camera_up.set(1)
        self.reconnects.inc()

    # --- read by the web server and the MQTT link ----------------------------------------
    def health(self) -> tuple[bool, str]:
        """(healthy, why): frames are flowing, or the camera is lost, or the loop stalled."""
        with self._lock:
            age = time.monotonic() - self._last_frame if self.frame_count else None
        if self.camera_lost:
            return False, "camera lost"
        if age is None:
            return False, "starting: no frame yet"
        if age > self.stall_seconds:
            return False, f"stalled: no frame for {age:.0f} s"
        return True, "ok"

    def state(self) -> dict:
        """A small summary: speed, health, who is in view and what the card says."""
        healthy, why = self.health()
        with self._lock:
            event = self.last_event
            return {
                "health": "ok" if healthy else why,
                "fps": round(self.fps, 1),
                "frames": self.frame_count,
                "uptime_s": round(time.time() - self.started, 1),
                "faces": [{"name": f["name"], "confidence": f["confidence"]} for f in event.get("faces", ())],
                "digits": event.get("digits", {}).get("text") if "digits" in event else None,
                "time": round(time.time(), 3),
            }

    def metrics(self) -> bytes:
        return generate_latest(self.registry)
