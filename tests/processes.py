"""Helpers for tests that run edgecam as a separate process, as a user or systemd would."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT


def start(*args, env=None) -> subprocess.Popen:
    """``edgecam ARGS`` in the background, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "edgecam", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@contextlib.contextmanager
def running(*args, env=None):
    """``edgecam ARGS`` in the background for a with-block; killed at its end if it is still alive."""
    process = start(*args, env=env)
    try:
        yield process
    finally:
        process.kill()


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


def listening(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:PORT."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class NetworkCamera:
    """A fake MJPEG network camera on 127.0.0.1 (tests/mjpeg_server.py) that can be unplugged and plugged in."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/stream.mjpg"
        self.plug_in()

    def plug_in(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.mjpeg_server", str(self.port)], cwd=ROOT)
        assert wait_for(lambda: listening(self.port), 10), "the fake camera did not start"

    def unplug(self) -> None:
        self.process.kill()
        self.process.wait()

    def __enter__(self) -> NetworkCamera:
        return self

    def __exit__(self, *exc) -> None:
        self.process.kill()


@contextlib.contextmanager
def virtual_screen(size: str = "800x600x24"):
    """An Xvfb screen on a display number it chose itself (``-displayfd``), yielded once it is ready:
    no guessed number clashing with another screen, no sleep hoping it has started."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"], pass_fds=(write_end,)
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()  # Xvfb writes it once it accepts clients
        if not number:
            raise RuntimeError(f"Xvfb did not start (exit {xvfb.poll()})")
        yield f":{number}"
    finally:
        xvfb.kill()
        xvfb.wait(timeout=10)
