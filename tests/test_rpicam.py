"""The rpicam source against a stand-in rpicam-vid that plays a real clip: normal, dying, stalling."""

from __future__ import annotations

import json
import os
import signal
import stat
import sys

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli
from tests.processes import line_count, running, wait_for


@pytest.fixture
def fake_rpicam(tmp_path, clip, monkeypatch):
    """``rpicam-vid`` on PATH, playing the session's clip; returns a function that sets its mode."""
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "rpicam-vid"
    program.write_text(f'#!/bin/sh\nexec {sys.executable} -m tests.fake_rpicam "$@"\n')
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    launches = tmp_path / "launches"
    env = {
        "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
        "FAKE_RPICAM_CLIP": str(clip.path),
        "FAKE_RPICAM_LAUNCHES": str(launches),
        "PYTHONPATH": str(os.getcwd()),
    }

    def with_mode(mode: str = "") -> dict:
        return {**env, "FAKE_RPICAM_MODE": mode}

    with_mode.launches = launches
    return with_mode


def test_frames_arrive_whole_through_the_stride_padding(fake_rpicam, clip, monkeypatch):
    from edgecam.edge.sources.rpicam import RpicamCapture

    for key, value in fake_rpicam().items():
        monkeypatch.setenv(key, value)
    first = cv2.VideoCapture(str(clip.path)).read()[1]
    for width, height in ((640, 480), (648, 486)):  # 648 is padded to a 704-byte stride by rpicam-vid
        capture = RpicamCapture(width, height, fps=30)
        try:
            ok, frame = capture.read()
        finally:
            capture.release()
        assert ok and frame.shape == (height, width, 3)
        expected = cv2.resize(first, (width, height))
        # I420 halves the colour resolution; the picture itself must be the clip's, not sheared by the stride.
        assert np.abs(frame.astype(int) - expected.astype(int)).mean() < 6


def test_run_reads_the_pi_camera(fake_rpicam, clip, fp32_export, tmp_path):
    events = tmp_path / "events.jsonl"
    result = run_cli(
        "run",
        "--source",
        "rpicam",
        "--headless",
        "--max-frames",
        "40",
        "--events",
        str(events),
        "--digits",
        str(fp32_export[0]),
        "--roi",
        ",".join(map(str, clip.roi)),
        env=fake_rpicam(),
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    # The cards' texts; a frame the reader was not sure of (a new card's first) says null instead.
    texts = {line["digits"]["text"] for line in lines if line.get("digits")} - {None}
    assert len(lines) == 40 and texts and texts <= set(clip.texts)


@pytest.mark.parametrize("mode", ["exit-after:15", "stall-after:15"])
def test_a_dying_or_stalling_child_is_replaced(fake_rpicam, tmp_path, mode):
    events = tmp_path / "events.jsonl"
    with running("run", "--source", "rpicam", "--headless", "--events", str(events), env=fake_rpicam(mode)) as loop:
        assert wait_for(lambda: "camera_restored" in events.read_text() if events.exists() else False, 60), (
            "the camera never came back"
        )
        after = line_count(events)
        assert wait_for(lambda: line_count(events) >= after + 20, 30), "no frames after the restart"
        loop.send_signal(signal.SIGTERM)
        _, stderr = loop.communicate(timeout=30)
    assert loop.returncode == 0, stderr
    kinds = [e["event"] for e in map(json.loads, events.read_text().splitlines()) if "event" in e]
    assert kinds == ["camera_lost", "camera_restored"]
    assert int(fake_rpicam.launches.read_text()) == 2  # the stalled child was killed, not left beside the new one
    assert "Traceback" not in stderr


def test_no_rpicam_vid_is_one_sentence(tmp_path):
    result = run_cli("run", "--source", "rpicam", "--headless", "--max-frames", "1", env={"PATH": str(tmp_path)})
    assert result.returncode == 69 and "Neither rpicam-vid nor libcamera-vid is on PATH" in result.stderr


def test_picamera2_built_for_another_numpy_is_one_sentence(tmp_path):
    # What Raspberry Pi OS's picamera2 does in a venv that installed NumPy 2 (picamera2 #1088):
    # its simplejpeg, compiled against NumPy 1.x, fails while picamera2 is imported.
    package = tmp_path / "site" / "picamera2"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        'raise ValueError("numpy.dtype size changed, may indicate binary incompatibility. '
        'Expected 96 from C header, got 88 from PyObject")\n'
    )
    result = run_cli(
        "run",
        "--source",
        "picamera2",
        "--headless",
        "--max-frames",
        "1",
        env={"PYTHONPATH": f"{tmp_path / 'site'}{os.pathsep}{os.getcwd()}"},
    )
    assert result.returncode == 69, result.stderr
    assert "picamera2 could not load (numpy.dtype size changed" in result.stderr
    assert "use --source rpicam" in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


@pytest.fixture
def fake_picamera2(tmp_path, clip):
    """A ``picamera2`` on PYTHONPATH that plays the session's clip (tests/fake_picamera2.py)."""
    package = tmp_path / "site" / "picamera2"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from tests.fake_picamera2 import Picamera2\n")
    env = {
        "PYTHONPATH": f"{tmp_path / 'site'}{os.pathsep}{os.getcwd()}",
        "FAKE_PICAMERA_CLIP": str(clip.path),
        "FAKE_PICAMERA_LOG": str(tmp_path / "configurations.jsonl"),
        "FAKE_PICAMERA_LAUNCHES": str(tmp_path / "launches"),
    }
    return env, tmp_path


def test_picamera2_is_asked_for_the_configured_size_and_rate_and_comes_back_when_it_fails(fake_picamera2):
    env, folder = fake_picamera2
    config = folder / "edgecam.toml"
    config.write_text('[source]\nspec = "picamera2"\nwidth = 320\nheight = 240\nfps = 20\n')
    events = folder / "events.jsonl"
    result = run_cli(
        "run",
        "--config",
        str(config),
        "--headless",
        "--max-frames",
        "60",
        "--events",
        str(events),
        env={**env, "FAKE_PICAMERA_DIE_AT": "25"},
    )
    assert result.returncode == 0, result.stderr
    asked = [json.loads(line) for line in (folder / "configurations.jsonl").read_text().splitlines()]
    assert len(asked) == 2  # the first launch, and the one that replaced it after the failure
    assert all(a["main"]["size"] == [320, 240] and a["controls"]["FrameRate"] == 20.0 for a in asked)
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    frames = [line for line in lines if "frame" in line]
    assert [e["event"] for e in lines if "event" in e] == ["camera_lost", "camera_restored"]
    assert len(frames) == 60 and "the Pi camera (picamera2)" in result.stderr
    assert "Traceback" not in result.stderr
