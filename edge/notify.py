"""systemd's notify protocol with the standard library: READY, WATCHDOG, STATUS, STOPPING.

A datagram to the socket named in $NOTIFY_SOCKET ("@" starts an abstract name).
Without $NOTIFY_SOCKET (not under systemd) every call does nothing.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time


class Notifier:
    def __init__(self, environ=os.environ):
        address = environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        usec = int(environ.get("WATCHDOG_USEC", "0") or 0)
        self.watchdog_every = usec / 2e6 if usec > 0 else None  # half the timeout, as systemd advises
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) if self.address else None
        if self.socket is not None:
            self.socket.setblocking(False)  # a listener that stopped reading must never stall the loop
        self.ready = False
        self._last_ping = 0.0
        self._last_status = 0.0

    def send(self, message: str) -> None:
        if self.socket is None:
            return
        with contextlib.suppress(OSError):  # systemd going away must never take the loop with it
            self.socket.sendto(message.encode(), self.address)

    def frame_done(self, fps: float) -> None:
        """Call after every processed frame: the watchdog is fed only while frames really flow."""
        now = time.monotonic()
        if not self.ready:
            self.send("READY=1")
            self.ready = True
        if self.watchdog_every is not None and now - self._last_ping >= self.watchdog_every:
            self.send("WATCHDOG=1")
            self._last_ping = now
        if now - self._last_status >= 5.0:
            self.send(f"STATUS={fps:.1f} FPS")
            self._last_status = now

    def status(self, text: str) -> None:
        self.send(f"STATUS={text}")

    def stopping(self) -> None:
        self.send("STOPPING=1")
        if self.socket is not None:
            self.socket.close()
            self.socket = None
