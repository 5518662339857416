"""Running unattended: systemd's notify protocol on a real socket, the unit file, a full disk, bad input."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from edgecam.edge.commands.service import DEFAULTS, render
from tests.conftest import ROOT, reading_the_clip, run_cli

pytest.importorskip("torch")

from tests.processes import NetworkCamera, running, start, wait_for


def _listen(name: str) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(name)
    server.settimeout(0.2)
    return server


def _drain(server: socket.socket, seconds: float = 0.5) -> list[str]:
    """What arrived, reading for at most ``seconds`` (pings may never pause long enough to stop on)."""
    messages = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            messages.append(server.recv(4096).decode())
        except (TimeoutError, BlockingIOError):
            break
    return messages


def test_notify_protocol_on_a_real_datagram_socket(clip, fp32_export, tmp_path):
    path = str(tmp_path / "notify.sock")
    server = _listen(path)
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}  # ping every 50 ms
    process = start(
        "run",
        *reading_the_clip(clip, fp32_export),
        "--headless",
        env=env,
    )
    messages = []
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        messages += _drain(server)  # read as systemd does, while the service runs
    messages += _drain(server)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert messages[0] == "READY=1"
    assert messages[-1] == "STOPPING=1"
    assert messages.count("WATCHDOG=1") >= 2
    assert any(re.fullmatch(r"STATUS=\d+\.\d FPS", m) for m in messages)


def test_abstract_socket_and_watchdog_only_while_frames_flow(tmp_path):
    name = f"edgecam-test-{os.getpid()}"
    server = _listen("\0" + name)
    events = tmp_path / "events.jsonl"
    with (
        NetworkCamera() as camera,
        running(
            "run",
            "--source",
            camera.url,
            "--headless",
            "--events",
            str(events),
            env={"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "200000"},
        ) as loop,
    ):
        assert wait_for(lambda: events.exists() and len(events.read_text().splitlines()) > 10, 30)
        assert "READY=1" in _drain(server)
        camera.unplug()
        assert wait_for(lambda: "camera_lost" in events.read_text(), 30)
        _drain(server)
        time.sleep(2.0)  # ten watchdog periods with no frames
        during_outage = _drain(server)
        assert "WATCHDOG=1" not in during_outage, "a hung camera must starve the watchdog"
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert loop.returncode == 0


def test_unit_file_is_the_rendered_template_and_verifies(tmp_path):
    shipped = (ROOT / "systemd" / "edgecam.service").read_text()
    assert shipped == render(**DEFAULTS)
    for line in (
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "RestartSec=",
        "RestartPreventExitStatus=78",
        "StartLimitBurst=",
        "SupplementaryGroups=video",
        "StateDirectory=edgecam",
        "EnvironmentFile=",
        "ProtectSystem=strict",
        "ProtectHome=",
        "NoNewPrivileges=true",
        "PrivateTmp=true",
        "DeviceAllow=char-video4linux rw",
    ):
        assert line in shipped, line
    assert "PrivateDevices=" not in shipped
    result = run_cli("service", "install", "--user", "camera", "--unit-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    unit = (tmp_path / "edgecam.service").read_text()
    assert f"ExecStart={sys.executable} -m edgecam run" in unit and "User=camera" in unit
    assert "systemctl enable --now edgecam" in result.stdout
    if shutil.which("systemd-analyze"):
        check = subprocess.run(
            ["systemd-analyze", "verify", str(tmp_path / "edgecam.service")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        assert "edgecam.service" not in check.stderr, check.stderr  # no complaint about our unit


def test_a_full_disk_drops_the_sink_and_the_loop_goes_on(clip, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("/dev/full is not available")
    result = run_cli("run", "--source", str(clip.path), "--headless", "--events", "/dev/full", "--max-frames", "50")
    assert result.returncode == 0, result.stderr
    assert "events stopped" in result.stderr and "goes on without it" in result.stderr
    assert re.search(r"\b50 frames in", result.stderr)


def test_roi_outside_the_frame_is_a_config_error(clip, fp32_export):
    result = run_cli(
        "run",
        "--source",
        str(clip.path),
        "--headless",
        "--digits",
        str(fp32_export[0]),
        "--roi",
        "600,400,200,200",
        "--max-frames",
        "5",
    )
    assert result.returncode == 78
    assert "outside the 640x480 frame" in result.stderr and "Traceback" not in result.stderr
