"""The setup API refuses what it must, with one sentence, and changes nothing then; the pieces
it stands on (config edits, names) on their own; the desktop and service paths to it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest

from edgecam.edge.config_edit import set_keys
from edgecam.edge.errors import ConfigError, DataError
from edgecam.edge.faces.person_name import checked_name
from tests.conftest import run_cli
from tests.processes import free_port, running, start, virtual_screen, wait_for
from tests.setup_page import AUTH, TOKEN, call, serve, setup_state

CONFIG = "# my camera\n[digits]\nroi = [10, 10, 100, 50]  # the card\n\n[source]\nloop = true\n"


@pytest.fixture(scope="module")
def blank_clip(tmp_path_factory):
    from edgecam.edge.scenes.clip import make_clip

    path = tmp_path_factory.mktemp("blank") / "desk.mp4"
    return make_clip(path, np.zeros((10, 28, 28), np.uint8), np.arange(10), frames=30)


def test_bad_writes_are_refused_with_a_sentence_and_change_nothing(blank_clip, tmp_path):
    config = tmp_path / "edgecam.toml"
    config.write_text(CONFIG)
    events, port = tmp_path / "events.jsonl", free_port()
    loop = serve(port, "--config", str(config), "--source", str(blank_clip.path), "--events", str(events))
    json_body = {**AUTH, "Content-Type": "application/json"}
    good = {"roi": [20, 20, 200, 100]}
    try:
        refusals = [
            (401, call(port, "PUT", "/api/roi", good)),  # no token
            (401, call(port, "PUT", f"/api/roi?token={TOKEN}", good)),  # a change wants it in the header
            (401, call(port, "PUT", "/api/roi", good, {"Authorization": "Bearer wrong"})),
            (403, call(port, "PUT", "/api/roi", good, {**json_body, "Origin": "http://evil.example"})),
            (403, call(port, "PUT", "/api/roi", good, {**json_body, "Referer": "http://evil.example/page"})),
            (400, call(port, "PUT", "/api/roi", {"roi": [600, 400, 100, 100]}, json_body)),  # outside 640x480
            (400, call(port, "PUT", "/api/roi", {"roi": [1, 2, 3]}, json_body)),
            (400, call(port, "PUT", "/api/roi", {"corners": [0, 0, 0, 100, 100, 100, 100, 0]}, json_body)),
            (400, call(port, "PUT", "/api/roi", {"roi": [20, 20, 200, 100], "colour": 1}, json_body)),
            (400, call(port, "PUT", "/api/roi", b"{not json", json_body)),
            (400, call(port, "POST", "/api/people", {"name": "../etc", "capture": 3}, json_body)),
            (400, call(port, "POST", "/api/people", {"name": "Unknown", "capture": 3}, json_body)),
            (409, call(port, "POST", "/api/people", {"name": "Zoë", "capture": 3}, json_body)),  # faces are off
            (409, call(port, "DELETE", "/api/people/nobody", None, json_body)),
            (404, call(port, "POST", "/api/nowhere", {"a": 1}, json_body)),
        ]
        for status, (got, answer) in refusals:
            assert got == status, (status, got, answer)
            sentence = answer["error"]
            assert sentence.endswith(".") and "\n" not in sentence and "Traceback" not in sentence, answer
        # A flood is turned away, not queued.
        statuses = [call(port, "PUT", "/api/roi", {"roi": [1]}, json_body)[0] for _ in range(40)]
        assert 429 in statuses and set(statuses) <= {400, 429}
        state = setup_state(port)
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert state["roi"] == [10, 10, 100, 50] and config.read_text() == CONFIG
    assert "setup_changed" not in events.read_text()


def _outward_address() -> str | None:
    """This machine's address on its network, if it has one (not loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent, the kernel picks the route
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_without_a_token_changes_come_from_this_machine_only(blank_clip, tmp_path):
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    port = free_port()
    loop = start("run", "--source", str(blank_clip.path), "--loop", "--headless", "--stream", f"0.0.0.0:{port}")
    try:
        assert wait_for(lambda: _answers(address, port), 60)
        assert wait_for(lambda: call(port, "GET", "/api/setup")[1]["frame"] is not None, 60)  # a first frame
        remote = _put_from(address, port)
        local = call(port, "PUT", "/api/roi", {"roi": [20, 20, 200, 100]})
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert remote[0] == 403 and "this machine only" in remote[1]["error"]
    assert local[0] == 200 and local[1]["roi"] == [20, 20, 200, 100] and local[1]["saved"] is False


def _answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def _put_from(address: str, port: int):
    import http.client

    connection = http.client.HTTPConnection(address, port, timeout=30)
    connection.request("PUT", "/api/roi", body=json.dumps({"roi": [20, 20, 200, 100]}))
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_a_config_edit_keeps_comments_and_refuses_what_would_break_the_file(tmp_path):
    path = tmp_path / "edgecam.toml"
    path.write_text(CONFIG)
    os.chmod(path, 0o640)
    set_keys(path, {("digits", "roi"): [1, 2, 30, 40], ("digits", "corners"): []})
    text = path.read_text()
    assert text.startswith("# my camera\n") and "roi = [1, 2, 30, 40]  # the card" in text and "loop = true" in text
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    with pytest.raises(ConfigError, match=r"digits\.roi"):
        set_keys(path, {("digits", "roi"): [1, 2, 0, 40]})
    assert "roi = [1, 2, 30, 40]" in path.read_text()
    fresh = tmp_path / "new.toml"
    assert set_keys(fresh, {("digits", "roi"): [5, 5, 50, 50]}).digits.roi == [5, 5, 50, 50]


@pytest.mark.parametrize(
    "bad", ["", "  ", "unknown", "UNKNOWN", ".hidden", "a/b", "a\\b", "a\nb", "x" * 65, "a\u202eb"]
)
def test_names_that_cannot_be_a_person_are_refused(bad):
    with pytest.raises(DataError):
        checked_name(bad)


def test_names_people_really_have_are_kept():
    assert checked_name(" Zoë ") == "Zoë"
    assert checked_name("Ana María O'Neil-Smith") == "Ana María O'Neil-Smith"
    assert checked_name("می\u200cخواهم") == "می\u200cخواهم"  # Persian needs its zero-width non-joiner


def _without_display(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    command = [sys.executable, "-m", "edgecam", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_without_a_display_roi_and_camera_picking_end_in_one_sentence(blank_clip, tmp_path):
    roi = _without_display("calibrate", "roi", "--source", str(blank_clip.path), "--out", str(tmp_path / "e.toml"))
    assert roi.returncode == 69 and "Traceback" not in roi.stderr, roi.stderr
    assert "--roi" in roi.stderr and "live page" in roi.stderr
    board = ["--pattern", "chessboard", "--size", "9x6", "--square", "25", "--out", str(tmp_path / "c.yml")]
    camera = _without_display("calibrate", "camera", "--source", str(blank_clip.path), *board)
    assert camera.returncode == 69 and "Traceback" not in camera.stderr and "--headless" in camera.stderr


def test_service_install_writes_a_first_config_a_token_and_prints_the_page(tmp_path):
    env_file = tmp_path / "default-edgecam"
    env_file.write_text("EDGECAM_MQTT_PASSWORD=secret\n")
    args = ["service", "install", "--unit-dir", str(tmp_path), "--config", str(tmp_path / "etc" / "edgecam.toml")]
    result = run_cli(*args, "--env-file", str(env_file))
    assert result.returncode == 0, result.stderr
    token = env_file.read_text().split("EDGECAM_STREAM_TOKEN=")[1].strip()
    assert len(token) >= 20 and "EDGECAM_MQTT_PASSWORD=secret" in env_file.read_text()
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    assert f":8080/?token={token}" in result.stdout and str(env_file) in result.stdout
    assert 'listen = "0.0.0.0:8080"' in (tmp_path / "etc" / "edgecam.toml").read_text()
    unit = (tmp_path / "edgecam.service").read_text()
    assert f"ReadWritePaths=/var/lib/edgecam {tmp_path / 'etc'}" in unit
    again = run_cli(*args, "--env-file", str(env_file))
    assert env_file.read_text().count("EDGECAM_STREAM_TOKEN=") == 1 and token in again.stdout


@pytest.mark.skipif(
    shutil.which("Xvfb") is None or shutil.which("xdotool") is None, reason="needs Xvfb and xdotool (.ci/run)"
)
def test_on_a_desktop_the_roi_is_dragged_in_a_tk_window(blank_clip, tmp_path):
    config = tmp_path / "edgecam.toml"
    config.write_text(CONFIG)
    with virtual_screen() as display:
        env = {"DISPLAY": display}

        def xdotool(*args: str) -> str:
            command = ["xdotool", *args]
            done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, check=False)
            return done.stdout.strip()

        with running("calibrate", "roi", "--source", str(blank_clip.path), "--out", str(config), env=env) as picker:
            assert wait_for(lambda: xdotool("search", "--name", "drag the ROI"), 60), picker.stderr.read()
            window = xdotool("search", "--name", "drag the ROI").split()[0]
            xdotool("windowmove", "--sync", window, "0", "0")
            xdotool("mousemove", "--window", window, "100", "120", "mousedown", "1")
            xdotool("mousemove", "--window", window, "200", "160")
            xdotool("mousemove", "--window", window, "300", "200", "mouseup", "1")
            xdotool("windowfocus", "--sync", window, "key", "Return")
            _, stderr = picker.communicate(timeout=30)
    assert picker.returncode == 0, stderr
    text = config.read_text()
    assert "roi = [100, 120, 200, 80]  # the card" in text and text.startswith("# my camera"), text


def test_enroll_refuses_a_name_the_page_would_refuse(blank_clip, tmp_path):
    result = run_cli("enroll", "unknown", "--source", str(blank_clip.path), "--dataset", str(tmp_path / "ds"))
    assert result.returncode == 65 and "choose another name" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "ds").exists()
