"""Faces on a worker thread (two threads or more): the picture never waits for a name, the faces
drawn are the newest and only where they still are, and frames the worker had no time for are
counted."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from edgecam.edge.faces.recognizer import FaceRecognizer
from edgecam.edge.faces.tracker import FaceTracker, TrackerSettings
from edgecam.edge.faces.worker import FaceWorker
from edgecam.edge.outputs.telemetry import Telemetry
from tests.conftest import run_cli
from tests.face_scenes import background, camera, paste
from tests.orl_scenes import ORL, orl_image

pytestmark = pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith('{"frame"')]


def _published(worker: FaceWorker, index: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (worker._published is None or worker._published.frame < index) and time.monotonic() < deadline:
        assert worker.error is None
        time.sleep(0.005)
    assert worker._published is not None and worker._published.frame >= index


def test_faces_found_on_an_earlier_frame_are_not_drawn_where_the_picture_changed(orl_model):
    worker = FaceWorker(FaceTracker(FaceRecognizer(orl_model), TrackerSettings(detect_every=1)))
    try:
        rng = np.random.default_rng(4)
        wall = background("blotchy", np.random.default_rng(4), "tune")
        with_face = wall.copy()
        box = paste(with_face, orl_image(2, 9), 200, rng, at=(360, 120))
        for index in range(3):  # three looks: the track's name settles
            worker.offer(camera(with_face, rng), index, wait=True)
        _published(worker, 2)
        still = camera(with_face, rng)
        [face] = worker.faces(still, worker.offer(still, 3, wait=True))
        assert face.name == "s2" and abs(face.box[0] - box[0]) < 40
        # The person leaves (a cut). Before the worker has looked at the new frame, the frame path
        # already knows not to draw the old face there: the box changed almost entirely.
        empty = camera(wall, rng)
        thumb = worker.offer(empty, 4)
        assert worker.faces(empty, thumb) == []
        _published(worker, 4)
        assert worker._published is not None and worker._published.faces == []
        # The worker's stage times reach /metrics' per-stage histogram, one sample per frame it ran.
        telemetry, ran = Telemetry(), worker.drain()
        for stage_ms in ran:
            telemetry.stages_done(stage_ms)
        count = telemetry.registry.get_sample_value("edgecam_stage_latency_seconds_count", {"stage": "face_detect"})
        assert len(ran) >= 4 and count == sum("face_detect" in stage_ms for stage_ms in ran) >= 4
        assert worker.drain() == []
    finally:
        worker.close()


def test_two_threads_name_the_walkers_of_a_file_and_read_its_cards(clip, fp32_export, faces_model, tmp_path):
    events = tmp_path / "events.jsonl"
    roi = ",".join(map(str, clip.roi))
    run = ["run", "--source", str(clip.path), "--headless", "--faces", str(faces_model), "--events", str(events)]
    result = run_cli(*run, "--digits", str(fp32_export[0]), "--roi", roi, "--threads", "2")
    assert result.returncode == 0, result.stderr
    lines = _events(events)
    assert [e["frame"] for e in lines] == list(range(clip.frames))  # every frame drawn and logged
    # A file's frames all go to the worker: none skipped. The walkers are named on most frames; not
    # on the frame or two after the clip swaps a walker's photo (every 10 frames): the old face's
    # patch no longer matches, so it is not drawn until the worker has looked at the new picture.
    assert "went by while faces" not in result.stderr
    named = sum(any(f["name"] == clip.faces[e["frame"]][0] for f in e["faces"]) for e in lines)
    assert named / clip.frames >= 0.8, named
    assert sum(e["digits"]["text"] == clip.texts[e["frame"]] for e in lines) / len(lines) >= 0.85


def test_a_camera_faster_than_naming_skips_worker_frames_not_frames_drawn(clip, faces_model, tmp_path):
    """At 60 FPS the frame path keeps up and the worker, now and then, cannot: every frame taken is
    drawn with the newest faces, and those the worker had no time for are counted."""
    events = tmp_path / "events.jsonl"
    run = ["run", "--source", str(clip.path), "--headless", "--faces", str(faces_model), "--events", str(events)]
    result = run_cli(*run, "--threads", "2", "--pace", "60", "--loop", "--max-frames", "600")
    assert result.returncode == 0, result.stderr
    lines = _events(events)
    assert len(lines) == 600
    # The worker now finds and names in about 2 ms a frame here, so at 60 FPS it falls behind only
    # now and then, and some runs not at all (1 in 3 here, once in CI). Whatever it missed is
    # counted, and it must have looked at most frames.
    counted = re.search(r"(\d+) frame\(s\) went by while faces", " ".join(result.stderr.split()))
    assert int(counted.group(1)) < 300 if counted else "went by" not in result.stderr, result.stderr
    # The worker looked at the rest, so people were still found and named on the frames drawn.
    shown = [e for e in lines if clip.faces[e["source_frame"] % clip.frames]]
    named = sum(any(f["name"] == clip.faces[e["source_frame"] % clip.frames][0] for f in e["faces"]) for e in shown)
    assert named / len(shown) >= 0.7, (named, len(shown))
