"""The health verdict and the metrics the loop feeds: frames flowing, a stall, a lost camera, changes counted."""

from __future__ import annotations

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from edgecam.edge.outputs.telemetry import Telemetry


def _samples(telemetry: Telemetry) -> dict:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(telemetry.metrics().decode())
        for s in family.samples
    }


def test_health_follows_the_frames():
    telemetry = Telemetry(stall_seconds=0.3)
    assert telemetry.health() == (False, "starting: no frame yet")
    telemetry.frame_done({"capture": 1.0, "digits": 3.0}, 30.0, {"faces": []})
    assert telemetry.health() == (True, "ok")
    time.sleep(0.5)
    healthy, why = telemetry.health()
    assert not healthy and why.startswith("stalled")
    telemetry.frame_done({"capture": 1.0}, 30.0, {"faces": []})
    telemetry.camera_gone()
    assert telemetry.health() == (False, "camera lost")
    telemetry.camera_back()
    assert telemetry.health() == (True, "ok")
    samples = _samples(telemetry)
    assert samples[("edgecam_camera_reconnects_total", ())] == 1
    assert samples[("edgecam_camera_up", ())] == 1


def test_frames_stages_and_changes_are_counted():
    telemetry = Telemetry()
    for _ in range(4):
        telemetry.frame_done(
            {"capture": 1.0, "digits": 3.0},
            25.0,
            {"faces": [{"name": "ada", "confidence": 0.9}], "digits": {"text": "42"}},
        )
    for change in (
        {"event": "face_appeared", "name": "ada", "track": 1},
        {"event": "face_renamed", "name": "bob", "track": 1},
        {"event": "digits_changed", "text": "42"},
        {"event": "digits_changed", "text": ""},
        {"event": "face_left", "name": "bob", "track": 1},
    ):
        telemetry.change(change)
    samples = _samples(telemetry)
    assert samples[("edgecam_frames_processed_total", ())] == 4
    assert samples[("edgecam_stage_latency_seconds_count", (("stage", "digits"),))] == 4
    assert samples[("edgecam_stage_latency_seconds_sum", (("stage", "digits"),))] == pytest.approx(0.012)
    assert samples[("edgecam_stage_latency_seconds_bucket", (("le", "0.005"), ("stage", "digits")))] == 4
    assert samples[("edgecam_stage_latency_seconds_bucket", (("le", "0.002"), ("stage", "digits")))] == 0
    assert samples[("edgecam_frame_latency_seconds_count", ())] == 4
    assert samples[("edgecam_faces_seen_total", (("name", "ada"),))] == 1
    assert samples[("edgecam_faces_seen_total", (("name", "bob"),))] == 1
    assert samples[("edgecam_digits_read_total", ())] == 1  # a card taken away is not a reading
    assert samples[("edgecam_fps", ())] == 25
    state = telemetry.state()
    assert state["faces"] == [{"name": "ada", "confidence": 0.9}] and state["digits"] == "42"
    assert state["frames"] == 4 and state["health"] == "ok"
