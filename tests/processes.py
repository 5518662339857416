"""Helpers for tests that run edgecam as a separate process, as a user or systemd would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT


def start(*args, env=None) -> subprocess.Popen:
    """``edgecam ARGS`` in the background, its output captured."""
    return subprocess.Popen([sys.executable, "-m", "edge.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def line_count(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def network_camera(port: int) -> subprocess.Popen:
    """A fake MJPEG network camera on 127.0.0.1:PORT (tests/mjpeg_server.py); kill it to unplug it."""
    return subprocess.Popen([sys.executable, "-m", "tests.mjpeg_server", str(port)], cwd=ROOT)
