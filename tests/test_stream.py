"""The web face of `edgecam run --stream`: real HTTP clients, several viewers, a stalled one, a token, Chromium."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import reading_the_clip

pytest.importorskip("torch")

from tests.processes import NetworkCamera, free_port, running, start, wait_for

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _up(port: int, path: str = "/healthz", headers=None) -> bool:
    try:
        return _get(port, path, headers)[0] == 200
    except OSError:
        return False


def _metrics(port: int, headers=None) -> dict[str, float]:
    """Every sample as 'name{label="value"}' -> value."""
    status, _, body = _get(port, "/metrics", headers)
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return samples


def _read_mjpeg(port: int, frames: int, path: str = "/stream.mjpg") -> list[tuple[int, np.ndarray]]:
    """Read ``frames`` parts of the multipart stream as a plain HTTP client: (frame index, decoded image)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200
        kind = response.getheader("Content-Type")
        assert kind.startswith("multipart/x-mixed-replace")
        boundary = kind.split("boundary=")[1].encode()
        parts = []
        while len(parts) < frames:
            line = response.fp.readline().strip()
            if not line:
                continue
            assert line == b"--" + boundary
            headers = {}
            while line := response.fp.readline().strip():
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            assert headers["content-type"] == "image/jpeg"
            jpeg = response.fp.read(int(headers["content-length"]))
            image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
            assert image is not None, "a part that is not a JPEG"
            parts.append((int(headers["x-frame-index"]), image))
        return parts
    finally:
        connection.close()


def _has_roi_box(image: np.ndarray, roi, offset=(0, 0)) -> bool:
    """The loop draws the ROI in yellow: look for it along the box's top edge."""
    x, y, w, _h = roi
    x, y = x + offset[0], y + offset[1]
    edge = image[y - 3 : y + 4, x + 10 : x + w - 10].astype(int)
    yellow = (edge[..., 2] > 150) & (edge[..., 1] > 150) & (edge[..., 0] < 90)
    return yellow.any(axis=0).mean() > 0.8


def serve_the_clip(clip, fp32_export, port: int, *more: str, env=None):
    """`edgecam run --stream PORT` (a bare port: loopback only) over the looped clip, its card read."""
    return start(
        "run", *reading_the_clip(clip, fp32_export), "--loop", "--headless", "--stream", str(port), *more, env=env
    )


@pytest.fixture
def streaming(clip, fp32_export):
    """`edgecam run --stream PORT` over the looped clip, up and serving."""
    port = free_port()
    process = serve_the_clip(clip, fp32_export, port)
    try:
        assert wait_for(lambda: _up(port), 60), "the stream never came up"
        yield port, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 0


def test_page_snapshot_state_and_metrics(streaming, clip):
    port, _ = streaming
    status, headers, page = _get(port, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"stream.mjpg" in page
    status, headers, jpeg = _get(port, "/snapshot.jpg")
    snapshot = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert status == 200 and snapshot.shape == (480, 640, 3) and _has_roi_box(snapshot, clip.roi)

    def current():
        return json.loads(_get(port, "/state.json")[2])

    assert wait_for(lambda: current()["frames"] >= 30, 30)  # the FPS needs a few frames to be a rate
    state = current()
    # The card's text, or None on a frame the reader was not sure of.
    assert state["health"] == "ok" and state["fps"] > 0 and state["digits"] in set(clip.texts) | {"", None}
    assert json.loads(_get(port, "/healthz")[2])["status"] == "ok"
    assert _get(port, "/nothing")[0] == 404

    assert wait_for(lambda: _metrics(port).get("edgecam_digits_read_total", 0) >= 2, 30), "no card was read"
    metrics = _metrics(port)
    assert metrics["edgecam_frames_processed_total"] > 0
    for stage in ("capture", "digits", "overlay", "sinks"):
        assert metrics[f'edgecam_stage_latency_seconds_count{{stage="{stage}"}}'] > 0
        assert metrics[f'edgecam_stage_latency_seconds_bucket{{le="+Inf",stage="{stage}"}}'] > 0
    assert metrics["edgecam_camera_up"] == 1 and metrics["edgecam_camera_reconnects_total"] == 0
    # Latency to output: every frame counted, and on average longer than one of its stages.
    frames = metrics["edgecam_output_latency_seconds_count"]
    assert frames >= metrics["edgecam_frames_processed_total"] - 1
    assert metrics["edgecam_output_interval_seconds_count"] > 0
    latency_mean = metrics["edgecam_output_latency_seconds_sum"] / frames
    digits_mean = (
        metrics['edgecam_stage_latency_seconds_sum{stage="digits"}']
        / metrics['edgecam_stage_latency_seconds_count{stage="digits"}']
    )
    assert latency_mean > digits_mean


def test_a_bare_port_listens_on_loopback_only(streaming):
    port, _ = streaming
    listening = []
    for line in (
        Path("/proc/net/tcp").read_text().splitlines()[1:] + Path("/proc/net/tcp6").read_text().splitlines()[1:]
    ):
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
            listening.append(local.rsplit(":", 1)[0])
    assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex


def test_several_viewers_share_one_encoding_and_none_when_unwatched(streaming, clip):
    port, _ = streaming
    before = _metrics(port)
    results = [None] * 3

    def watch(i):
        results[i] = _read_mjpeg(port, 30)

    viewers = [threading.Thread(target=watch, args=(i,)) for i in range(3)]
    for viewer in viewers:
        viewer.start()
    for viewer in viewers:
        viewer.join(60)
    assert all(r is not None and len(r) == 30 for r in results)
    for parts in results:
        indices = [index for index, _ in parts]
        assert indices == sorted(set(indices)), "a viewer got a frame twice or out of order"
        assert all(image.shape == (480, 640, 3) for _, image in parts)
        assert _has_roi_box(parts[-1][1], clip.roi)
    assert wait_for(lambda: _metrics(port)["edgecam_stream_viewers"] == 0, 30), "the viewers were never let go"
    after = _metrics(port)
    encoded = after["edgecam_stream_jpegs_encoded_total"] - before["edgecam_stream_jpegs_encoded_total"]
    processed = after["edgecam_frames_processed_total"] - before["edgecam_frames_processed_total"]
    # Encoding per viewer would take at least one JPEG per part received (90), plus what the server had
    # already sent into the sockets when the clients hung up. Shared, it is one per distinct frame.
    assert 0 < encoded <= processed
    assert encoded < sum(len(parts) for parts in results), "each viewer encoded its own frames"

    # Nobody watching: frames go on, JPEG encoding stops.
    first = _metrics(port)
    frames_then = first["edgecam_frames_processed_total"]
    assert wait_for(lambda: _metrics(port)["edgecam_frames_processed_total"] > frames_then + 20, 30)
    second = _metrics(port)
    assert second["edgecam_stream_jpegs_encoded_total"] == first["edgecam_stream_jpegs_encoded_total"]
    assert second["edgecam_stream_viewers"] == 0


def test_a_viewer_that_stops_reading_does_not_stop_the_loop(streaming):
    port, _ = streaming
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", port))
    stalled.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        # Held open while the loop runs on: enough JPEGs to fill its small socket buffers, after
        # which the server's writes to it block.
        assert wait_for(lambda: _metrics(port)["edgecam_stream_jpegs_encoded_total"] >= 40, 30)
        first = _metrics(port)["edgecam_frames_processed_total"]
        assert len(_read_mjpeg(port, 10)) == 10  # another viewer is served meanwhile
        assert wait_for(lambda: _metrics(port)["edgecam_frames_processed_total"] > first + 20, 30)
        assert _metrics(port)["edgecam_frames_processed_total"] > first + 20
        # The stalled one, still held. The viewer who left is counted until the server's next
        # write to it fails, a frame or two later (more on a loaded machine).
        assert wait_for(lambda: _metrics(port)["edgecam_stream_viewers"] == 1, 10)
        assert _up(port)
    finally:
        stalled.close()


def test_a_token_guards_every_route(clip):
    port = free_port()
    process = start(
        "run",
        "--source",
        str(clip.path),
        "--loop",
        "--headless",
        "--stream",
        f"127.0.0.1:{port}",
        env={"EDGECAM_STREAM_TOKEN": "s3cret-token"},
    )
    good = {"Authorization": "Bearer s3cret-token"}
    try:
        assert wait_for(lambda: _up(port, headers=good), 60)
        for path in ("/", "/stream.mjpg", "/snapshot.jpg", "/state.json", "/healthz", "/metrics", "/nothing"):
            status, headers, _ = _get(port, path)
            assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer"), path
            assert _get(port, path, {"Authorization": "Bearer wrong"})[0] == 401, path
            assert _get(port, path + "?token=wrong")[0] == 401, path
        for path in ("/", "/snapshot.jpg", "/state.json", "/healthz", "/metrics"):
            assert _get(port, path, good)[0] == 200, path
            assert _get(port, path + "?token=s3cret-token")[0] == 200, path
        assert len(_read_mjpeg(port, 3, "/stream.mjpg?token=s3cret-token")) == 3
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert "s3cret-token" not in stderr
    assert process.returncode == 0


def test_healthz_says_503_while_the_camera_is_lost(tmp_path):
    port = free_port()
    with NetworkCamera() as camera, running("run", "--source", camera.url, "--headless", "--stream", str(port)) as loop:
        assert wait_for(lambda: _up(port), 30), "never healthy"
        camera.unplug()
        assert wait_for(lambda: _get(port, "/healthz")[0] == 503, 30), "the loss never showed"
        assert json.loads(_get(port, "/healthz")[2])["status"] == "camera lost"
        assert _metrics(port)["edgecam_camera_up"] == 0
        camera.plug_in()
        assert wait_for(lambda: _up(port), 60), "healthy again never"
        assert _metrics(port)["edgecam_camera_reconnects_total"] == 1
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
        assert loop.returncode == 0


def _moved(first: np.ndarray, then: np.ndarray) -> bool:
    """Two shots of the video show different frames (the overlay's figures alone change far less)."""
    return bool(np.abs(first.astype(int) - then.astype(int)).mean() > 1.0)


def _chromium(url: str, out_dir, *what: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # The virtual-time budget lets the page's script fetch /state.json before the dump or the shot.
            f"--user-data-dir={out_dir}",
            "--window-size=1100,700",
            "--virtual-time-budget=3000",
            *what,
            url,
        ],
        capture_output=True,
        timeout=90,
        cwd=out_dir,
        check=False,
    )


@pytest.mark.skipif(BROWSER is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_the_page_plays_the_video_in_headless_chromium(clip, fp32_export, tmp_path):
    port = free_port()
    process = serve_the_clip(clip, fp32_export, port, env={"EDGECAM_STREAM_TOKEN": "page-token"})
    url = f"http://127.0.0.1:{port}/?token=page-token"
    try:
        assert wait_for(lambda: _up(port, headers={"Authorization": "Bearer page-token"}), 60)
        video = []
        token = {"Authorization": "Bearer page-token"}
        # The clip loops every 120 frames, so two shots can by chance show the very same frame of it:
        # the video moves if any of up to four shots differs from the first.
        for i in range(4):
            result = _chromium(url, tmp_path, f"--screenshot={tmp_path / f'page{i}.png'}")
            assert result.returncode == 0, result.stderr[-2000:]
            # The <img> sits at the page's top left, after a 16 px margin: the annotated video, ROI box and all.
            video.append(cv2.imread(str(tmp_path / f"page{i}.png"))[16 : 16 + 480, 16 : 16 + 640])
            if len(video) > 1 and _moved(video[0], video[-1]):
                break
            frames = _metrics(port, headers=token)["edgecam_frames_processed_total"]
            # The next shot must see another frame: the loop moves on (its clip changes every frame).
            assert wait_for(
                lambda f=frames: _metrics(port, headers=token)["edgecam_frames_processed_total"] > f + 10, 30
            )
        dom = _chromium(url, tmp_path, "--dump-dom").stdout.decode()
        panel = re.findall(r'<dd id="(\w+)"[^>]*>([^<]*)<', dom)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    for frame in video:
        assert frame.std() > 20, "the video area is blank"
        assert _has_roi_box(frame, clip.roi)
    assert _moved(video[0], video[-1]), "the video did not move: not playing"
    # The side panel was filled in by the page's script from /state.json.
    values = dict(panel)
    assert values["health"] == "ok", panel
    # A text of the clip, a blank card, or "(not reading)": the reader was unsure of that frame
    # (the first frame of each new card always is, until it is confirmed).
    assert float(values["fps"]) > 0 and values["digits"] in set(clip.texts) | {"(none)", "(not reading)"}, panel
