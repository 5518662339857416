"""Hostile clients against the live page: slow ones, resetting ones, floods. The camera loop never waits."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import struct
import time

import numpy as np

from tests.processes import free_port, line_count, running, wait_for
from tests.test_stream import _metrics, _up

TOKEN = {"Authorization": "Bearer s3cret"}


def _connect(port: int) -> socket.socket | None:
    try:
        return socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        return None  # refused or timed out under the flood: that is the server's right


def test_slow_and_resetting_clients_without_the_token_never_stall_the_loop(clip, tmp_path):
    port, events = free_port(), tmp_path / "events.jsonl"
    with running(
        "run",
        "--source",
        str(clip.path),
        "--loop",
        "--headless",
        "--events",
        str(events),
        "--stream",
        str(port),
        env={"EDGECAM_STREAM_TOKEN": "s3cret"},
    ) as loop:
        assert wait_for(lambda: _up(port, headers=TOKEN), 60), "the page never came up"
        first = line_count(events)
        # 300 clients that send a request line and then trickle one header a second (slowloris).
        slow = [c for c in (_connect(port) for _ in range(300)) if c is not None]
        for client in slow:
            with contextlib.suppress(OSError):
                client.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: camera\r\n")
        for _ in range(8):  # eight seconds of trickle, the pace being the attack itself
            for client in slow:
                with contextlib.suppress(OSError):
                    client.sendall(b"X-Slow: 1\r\n")
            time.sleep(1)
        # 200 clients that connect, start a request and reset the connection.
        for _ in range(200):
            client = _connect(port)
            if client is not None:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                try:
                    client.sendall(b"GET / HTTP/1.1\r\n")
                finally:
                    client.close()
        for client in slow:
            client.close()
        after = line_count(events)
        assert wait_for(lambda: line_count(events) > after + 60, 30), "the loop stopped after the flood"
        assert wait_for(lambda: _up(port, headers=TOKEN), 30), "the page does not serve again after the flood"
        # 300 slow clients cannot all have had a slot (8 viewers + 24): the rest were closed, and counted.
        assert _metrics(port, headers=TOKEN)["edgecam_stream_connections_refused_total"] > 0
        loop.send_signal(signal.SIGTERM)
        _, stderr = loop.communicate(timeout=30)
    assert loop.returncode == 0, stderr
    times = [json.loads(line)["time"] for line in events.read_text().splitlines()[first:]]
    longest = float(np.diff(times).max())
    assert longest < 1.0, f"the loop wrote no frame for {longest:.2f} s during or after the flood"
    assert "Traceback" not in stderr and "Error" not in stderr, stderr[-2000:]
