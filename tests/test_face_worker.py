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
from tests.clip_reading import cards_shown
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


def test_faces_found_on_an_earlier_frame_are_not_drawn_where_they_no_longer_are(orl_model):
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
        worker.offer(still, 3, wait=True)
        [face] = worker.faces(still)
        assert face.name == "s2" and abs(face.box[0] - box[0]) < 40
        # The person leaves (a cut). Before the worker has looked at the new frame, the frame path
        # already knows not to draw the old face there: the wall does not look like the face.
        empty = camera(wall, rng)
        worker.offer(empty, 4)
        assert worker.faces(empty) == []
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
    read, cards, wrong_run = cards_shown(lines, clip.texts)  # as in test_loop's reading of the clip
    assert read >= cards - 1 and wrong_run <= 2, (read, cards, wrong_run)


def test_a_camera_faster_than_naming_skips_worker_frames_not_frames_drawn(clip, faces_model, tmp_path):
    """At 60 FPS the frame path keeps up and the worker, on a slow or busy machine, cannot: every
    frame taken is drawn, only with faces that still stand where they are drawn, and the frames the
    worker had no time for are counted. How soon people are named at a camera's pace is a speed
    figure: ``edgecam bench --pace`` reports it."""
    events = tmp_path / "events.jsonl"
    run = ["run", "--source", str(clip.path), "--headless", "--faces", str(faces_model), "--events", str(events)]
    result = run_cli(*run, "--threads", "2", "--pace", "60", "--loop", "--max-frames", "600")
    assert result.returncode == 0, result.stderr
    lines = _events(events)
    assert [e["frame"] for e in lines] == list(range(600))
    counted = re.search(r"(\d+) frame\(s\) went by while faces", " ".join(result.stderr.split()))
    assert 0 < int(counted.group(1)) < 600 if counted else "went by" not in result.stderr, result.stderr
    # A face found some frames back is drawn only on the person it was found on: when the clip's
    # walker changes (or the clip starts over) before the worker has looked again, the old name
    # is not carried onto the newcomer or left on the wall.
    misplaced = []
    for e in lines:
        walker = clip.faces[e["source_frame"] % clip.frames]
        for face in e["faces"]:
            x, y, w, h = face["box"]
            at = walker is not None and _inside((x + w / 2, y + h / 2), walker[1])
            if not at or face["name"] not in (walker[0], "unknown"):
                misplaced.append((e["frame"], face["name"], walker))
    assert misplaced == [], misplaced
    assert {f["name"] for e in lines for f in e["faces"]} >= {"s31", "s32", "s33"}


def _inside(point: tuple[float, float], box: tuple[int, int, int, int]) -> bool:
    x, y, w, h = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h
