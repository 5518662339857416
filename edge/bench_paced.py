"""``edgecam bench --quota SHARE --pace FPS``: the real ``edgecam run`` on a fraction of one core,
fed in real time as a camera feeds it, to see whether it keeps up and what a viewer would see.

The clip is played at the camera's pace (edge.sources.paced): a loop slower than the pace
skips frames (counted) rather than falling behind. Each frame's latency to output (in its
event) is read back; the two halves of the run are compared, since a loop that falls behind
shows a latency that grows.
"""

from __future__ import annotations

import json
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from edgecam.edge.cpu_quota import cpu_quota, inside
from edgecam.edge.errors import VerificationFailed
from edgecam.edge.timing import latency_stats

STARTUP_SECONDS = 180.0  # loading the models on a quarter of a core takes a while


def run_paced(
    run_args: list[str], quota: float, pace: float, seconds: float, truth: list[str | None] | None = None
) -> dict:
    """``edgecam run RUN_ARGS`` at ``pace`` FPS for ``seconds`` (after its first frame), on
    ``quota`` of one core. ``truth``: who the clip shows in each frame (None: no one), to time
    how soon each newcomer is named."""
    with tempfile.TemporaryDirectory(prefix="edgecam-paced-") as scratch, cpu_quota(quota) as group:
        events = Path(scratch) / "events.jsonl"
        run = [sys.executable, "-m", "edgecam", "run", *run_args, "--pace", f"{pace:g}", "--headless"]
        cpu_before, started = _children_cpu_seconds(), time.monotonic()
        process = subprocess.Popen(
            inside(group, [*run, "--events", str(events)]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not (events.exists() and events.stat().st_size) and process.poll() is None:
                if time.monotonic() > deadline:
                    raise VerificationFailed(f"The paced loop gave no frame within {STARTUP_SECONDS:.0f} s.")
                time.sleep(0.2)
            time.sleep(seconds)
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=60)
        if process.returncode != 0:
            raise VerificationFailed(f"The paced loop failed: {' '.join(stderr.split())[-300:]}")
        # The run exec'd in place of the shell that joined the cgroup: its CPU time is the child's.
        cpu = (_children_cpu_seconds() - cpu_before) / (time.monotonic() - started)
        frames = [json.loads(line) for line in events.read_text().splitlines() if line.startswith('{"frame"')]
    report = summary(frames, stderr, quota, pace)
    report["cpu_percent"] = round(100 * cpu, 1)  # of one core, start-up (loading the models) included
    if truth:
        report["named_after_s"] = naming_delays(frames, truth, pace)
    return report


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def naming_delays(frames: list[dict], truth: list[str | None], pace: float) -> list[float | None]:
    """For each person's arrival in the paced clip during the run: seconds from the camera giving
    the arrival's first frame to the first output naming them (None: not named while in view)."""
    first = frames[0]
    captured = first["time"] - first["latency_ms"] / 1000  # when the camera gave the first frame out
    start, end = first["source_frame"], frames[-1]["source_frame"]
    arrivals = [
        i
        for i in range(start + 1, end + 1)
        if truth[i % len(truth)] and truth[i % len(truth)] != truth[(i - 1) % len(truth)]
    ]
    delays: list[float | None] = []
    for number, arrival in enumerate(arrivals):
        leaves = arrivals[number + 1] if number + 1 < len(arrivals) else end + 1
        name = truth[arrival % len(truth)]
        due = captured + (arrival - start) / pace
        named = [
            frame["time"] - due
            for frame in frames
            if arrival <= frame["source_frame"] < leaves and any(face["name"] == name for face in frame["faces"])
        ]
        delays.append(round(named[0], 3) if named else None)
    return delays


def summary(frames: list[dict], stderr: str, quota: float, pace: float) -> dict:
    """What the paced run's events and its closing lines say."""
    if len(frames) < 4:
        raise VerificationFailed(f"The paced loop handed out only {len(frames)} frames.")
    times = np.array([frame["time"] for frame in frames])
    latency = np.array([frame["latency_ms"] for frame in frames])
    middle = (times[0] + times[-1]) / 2
    text = " ".join(stderr.split())
    skipped = re.search(r"(\d+) frame\(s\) of the camera came faster", text)
    face_skipped = re.search(r"(\d+) frame\(s\) went by while faces", text)
    memory = re.search(r"peak memory (\d+) MB", text)
    seconds = float(times[-1] - times[0])
    return {
        "quota": quota,
        "pace_fps": pace,
        "seconds": round(seconds, 1),
        "frames": len(frames),
        "fps": round((len(frames) - 1) / seconds, 2) if seconds > 0 else 0.0,
        "latency": latency_stats(latency),
        # A loop falling behind its camera shows here: the second half's latency above the first's.
        "latency_p95_halves_ms": [
            round(float(np.percentile(latency[times <= middle], 95)), 1),
            round(float(np.percentile(latency[times > middle], 95)), 1),
        ],
        "interval": latency_stats(np.diff(times) * 1000),
        "skipped_frames": int(skipped.group(1)) if skipped else 0,
        "face_skipped_frames": int(face_skipped.group(1)) if face_skipped else 0,
        "rss_mb": float(memory.group(1)) if memory else float("nan"),
    }
