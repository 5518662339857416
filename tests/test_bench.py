"""`edgecam bench` reports what the contract promises, on the same frames for both loops."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

pytest.importorskip("torch")


def test_bench_reports_stages_memory_and_the_baseline_side_by_side(fp32_export, trained_checkpoint, tmp_path):
    onnx_path = tmp_path / "digits.onnx"
    onnx_path.write_bytes(fp32_export[0].read_bytes())
    result = run_cli(
        "bench",
        "--digits",
        str(onnx_path),
        "--checkpoint",
        str(trained_checkpoint),
        "--frames",
        "60",
        "--threads",
        "1",
        "--baseline",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["frames"] == 60 and report["fps"] > 0 and report["threads"] == 1
    for stage in ("capture", "digits", "overlay"):
        assert report["stages"][stage]["p95_ms"] >= report["stages"][stage]["p50_ms"] > 0
    assert 20 < report["rss_mb"] < 2000  # a real `edgecam run` was measured
    # What a viewer sees: each frame's latency covers at least its stages, and frames follow each
    # other at the rate measured.
    latency, interval = report["latency"], report["interval"]
    assert latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    assert latency["p50_ms"] >= report["stages"]["digits"]["p50_ms"]
    # Their mean is 1000/fps; most frames are cheap and a few (a face named) dear, so the median
    # lies below the mean and the longest above it.
    mean = 1000 / report["fps"]
    assert interval["p50_ms"] <= 1.5 * mean <= 1.5 * interval["max_ms"] and report["skipped_frames"] == 0
    assert report["baseline"]["frames"] == 60 and report["speedup"] == pytest.approx(
        report["fps"] / report["baseline"]["fps"], rel=0.01
    )
    # Same frames, same truth: the fast loop must read the cards at least as well as the slow one,
    # and read them (a 94.4 % model read the bench clip's cards right in 99.3 % of its frames here).
    assert report["accuracy"]["digits_right"] >= report["baseline"]["accuracy"]["digits_right"] - 0.02
    assert report["accuracy"]["digits_right"] >= 0.95


def test_bench_with_stream_viewers_reports_what_streaming_costs(fp32_export):
    result = run_cli("bench", "--digits", str(fp32_export[0]), "--frames", "60", "--viewers", "2", "--json")
    assert result.returncode == 0, result.stderr
    streamed = json.loads(result.stdout)["streamed"]
    assert streamed["frames"] == 60 and streamed["fps"] > 0 and streamed["viewers"] == 2
    assert 0 < streamed["jpegs"] <= 60  # at most once per frame, for both viewers together
    assert sum(streamed["frames_received"]) > 0
    assert all(got <= streamed["jpegs"] for got in streamed["frames_received"])  # never a frame twice
    assert streamed["jpeg_ms"]["p50_ms"] > 0
