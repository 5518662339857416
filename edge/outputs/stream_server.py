"""The device's web face: a live page, the MJPEG stream, a snapshot, health and Prometheus metrics.

Routes: ``/`` (page), ``/stream.mjpg``, ``/snapshot.jpg``, ``/state.json``,
``/healthz`` (200 while frames flow, 503 otherwise), ``/metrics``, and the setup's JSON
API under ``/api/`` (edge.setup.http_api). With a
token set, every route wants ``Authorization: Bearer TOKEN`` or ``?token=TOKEN``
(browsers cannot put a header on an <img>). It listens on 127.0.0.1 unless
told otherwise. Each viewer has its own thread; none of them can make the loop
wait (see frame_hub).

Clients are untrusted: at most ``max_viewers`` + CONNECTION_SPARE connections are served at
once (more are closed as they arrive, without a thread), a request's head must arrive whole
within HEAD_SECONDS (a client trickling headers is cut off), and a client that resets or
vanishes is forgotten without a word in the log.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import ipaddress
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, unquote, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from edgecam.edge.config_values import parse_listen
from edgecam.edge.errors import Unavailable
from edgecam.edge.outputs.frame_hub import FrameHub
from edgecam.edge.outputs.telemetry import Telemetry
from edgecam.edge.setup import http_api as setup_api

BOUNDARY = "edgecamframe"
VIEWER_TIMEOUT = 10.0  # a viewer that takes no data for this long is dropped
HEAD_SECONDS = 5.0  # the request line and headers must arrive within this, however slowly they trickle
CONNECTION_SPARE = 24  # connections served at once beyond max_viewers: page, state, metrics, health


class StreamServer:
    """Serves the hub's frames and the telemetry on a background thread until ``close()``.

    It is also one of the loop's sinks: ``write`` hands over the annotated frame."""

    name = "stream"

    def __init__(
        self,
        listen: str,
        hub: FrameHub,
        telemetry: Telemetry,
        token: str = "",
        max_viewers: int = 8,
        snapshots=None,
        history: int = 12,
        setup=None,
    ):
        host, port = parse_listen(listen)
        self.hub, self.telemetry, self.token, self.max_viewers = hub, telemetry, token, max_viewers
        self.snapshots, self.history = snapshots, history  # a SnapshotSink, or None
        self.setup = setup  # edge.setup.controller.Setup: the page's /api, or None
        self.viewers = 0
        self._viewers_lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"stream": self})
        server_class = _BoundedIPv6Server if ":" in host else _BoundedServer
        try:
            self.httpd = server_class((host, port), handler, max_viewers + CONNECTION_SPARE)
        except OSError as error:
            raise Unavailable(f"Cannot serve the stream on {host}:{port}: {error.strerror or error}.") from error
        self.httpd.daemon_threads = True  # a viewer that hangs on must not keep the process alive
        self.host, self.port = host, self.httpd.server_address[1]
        telemetry.registry.register(self)  # /metrics asks collect() for the viewers and JPEGs
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="edgecam-stream", daemon=True)
        self._thread.start()

    def collect(self):
        yield GaugeMetricFamily("edgecam_stream_viewers", "Viewers of /stream.mjpg now", value=self.viewers)
        yield CounterMetricFamily(
            "edgecam_stream_jpegs_encoded", "Frames encoded to JPEG for viewers", value=self.hub.encoded
        )
        yield CounterMetricFamily(
            "edgecam_stream_connections_refused",
            "Connections closed at once because every connection slot was taken",
            value=self.httpd.refused,
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def public(self) -> bool:
        return self.host != "localhost" and not ipaddress.ip_address(self.host).is_loopback

    def write(self, frame, event: dict) -> None:
        self.hub.publish(frame)

    def authorised(self, header: str, query: dict) -> bool:
        if not self.token:
            return True
        offered = header[7:] if header.lower().startswith("bearer ") else query.get("token", [""])[0]
        return hmac.compare_digest(offered.encode(), self.token.encode())

    def enter(self) -> bool:
        with self._viewers_lock:
            if self.viewers >= self.max_viewers:
                return False
            self.viewers += 1
            return True

    def leave(self) -> None:
        with self._viewers_lock:
            self.viewers -= 1

    def close(self) -> None:
        if self.setup is not None:
            self.setup.close()
        self.hub.close()  # wakes every viewer so it can finish
        self.httpd.shutdown()
        self.httpd.server_close()
        deadline = time.monotonic() + 2.0  # viewers leave within a frame; a stuck socket is not waited for
        while self.viewers and time.monotonic() < deadline:
            time.sleep(0.01)


class _BoundedServer(ThreadingHTTPServer):
    """A thread per connection, but never more than ``limit`` at once: one more is closed at
    accept, so a flood of connections cannot multiply threads until the loop starves."""

    request_queue_size = 128  # a burst of connections waits in the kernel's queue, not refused by it

    def __init__(self, address, handler, limit: int):
        self.slots = threading.BoundedSemaphore(limit)
        self.refused = 0  # connections closed at accept because every slot was taken
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            self.refused += 1
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address):
        # A client that resets, times out or sends garbage is its own problem, not a traceback in
        # the device's journal (200 resets printed 5,601 lines); anything else is one line.
        error = sys.exc_info()[1]
        if not isinstance(error, OSError | ValueError):  # resets, time-outs, malformed requests
            print(f"stream: a request failed ({type(error).__name__}: {error})", file=sys.stderr)


class _BoundedIPv6Server(_BoundedServer):
    address_family = socket.AF_INET6


class _HeadDeadline:
    """The request's input while its head is read: every line must come before one deadline for
    the whole head, not within a timeout that each trickled header renews."""

    def __init__(self, rfile, connection: socket.socket, seconds: float):
        self.rfile, self.connection = rfile, connection
        self.deadline = time.monotonic() + seconds

    def readline(self, limit: int = -1) -> bytes:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request head did not arrive in time")
        self.connection.settimeout(left)
        return self.rfile.readline(limit)

    def __getattr__(self, name):
        return getattr(self.rfile, name)


class _Handler(BaseHTTPRequestHandler):
    stream: StreamServer
    timeout = VIEWER_TIMEOUT
    server_version = "edgecam"

    def setup(self):
        super().setup()
        self._answered = False  # whether a status line has gone out: after one, no 500 can follow
        self._body = self.rfile
        self.rfile = _HeadDeadline(self.rfile, self.connection, HEAD_SECONDS)  # type: ignore[assignment]  # for the head

    def do_GET(self):
        self.rfile = self._body  # the head is in: back to the plain stream and the viewer's timeout
        self.connection.settimeout(VIEWER_TIMEOUT)
        url = urlsplit(self.path)
        if url.path.startswith("/api/"):
            self._answering(functools.partial(setup_api.read, self, url))
            return
        if not self.stream.authorised(self.headers.get("Authorization", ""), parse_qs(url.query)):
            self._send(
                401,
                "text/plain",
                b"A token is needed: Authorization: Bearer TOKEN, or ?token=TOKEN.\n",
                {"WWW-Authenticate": 'Bearer realm="edgecam"'},
            )
            return
        route = {
            "/": self._page,
            "/index.html": self._page,
            "/stream.mjpg": self._mjpeg,
            "/snapshot.jpg": self._snapshot,
            "/state.json": self._state,
            "/healthz": self._health,
            "/metrics": self._metrics,
            "/snapshots.json": self._history,
            "/setup.js": self._setup_script,
        }.get(url.path)
        if route is None and url.path.startswith("/snapshots/"):
            route = functools.partial(self._snapshot_file, unquote(url.path[len("/snapshots/") :]))
        if route is None:
            self._send(404, "text/plain", b"Not here. Try /, /stream.mjpg, /snapshot.jpg, /healthz or /metrics.\n")
            return
        self._answering(route)

    def _change(self):
        self.rfile = self._body  # the head is in: the body is read under the viewer's timeout
        self.connection.settimeout(VIEWER_TIMEOUT)
        self._answering(functools.partial(setup_api.change, self))

    def _answering(self, route):
        """Run ``route``; a failure of the device's own (not the viewer leaving) is one line in the
        log and, when no answer has begun, a 500 with a sentence, not a connection closed on the
        client without a word."""
        try:
            route()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the viewer went away
        except Exception as error:
            where = urlsplit(self.path).path  # never the query: it may hold the token
            print(f"stream: {self.command} {where} failed ({type(error).__name__}: {error})", file=sys.stderr)
            if self._answered:
                return  # half an answer is out: closing the connection is all that is left
            sentence = "The device failed to answer this request; its log says why."
            with contextlib.suppress(OSError):
                if where.startswith("/api/"):
                    self._send(500, "application/json", json.dumps({"error": sentence}).encode())
                else:
                    self._send(500, "text/plain", f"{sentence}\n".encode())

    def send_response(self, code, message=None):
        self._answered = True
        super().send_response(code, message)

    do_PUT = do_POST = do_PATCH = do_DELETE = _change

    def _page(self):
        html = resources.files(__package__).joinpath("stream_page.html").read_text(encoding="utf-8")
        # "<" escaped so no caption can close the script element it is carried in.
        now = self._history_json().replace("<", "\\u003c")
        html = html.replace('type="application/json">[]</script>', f'type="application/json">{now}</script>', 1)
        self._send(200, "text/html; charset=utf-8", html.encode())

    def _setup_script(self):
        script = resources.files(__package__).joinpath("setup.js").read_bytes()
        self._send(200, "text/javascript; charset=utf-8", script)

    def _snapshot(self):
        index, jpeg = self.stream.hub.latest_jpeg()
        if jpeg is None:
            self._send(503, "text/plain", b"No frame yet.\n")
            return
        self._send(200, "image/jpeg", jpeg, {"X-Frame-Index": str(index)})

    def _history_json(self) -> str:
        snapshots = self.stream.snapshots
        entries = snapshots.latest(self.stream.history) if snapshots else []
        return json.dumps(entries, ensure_ascii=False)

    def _history(self):
        self._send(200, "application/json", self._history_json().encode())

    def _snapshot_file(self, name: str):
        # Only a file the snapshot writer made, straight inside its folder: no "..", no other names.
        path = self.stream.snapshots.path_of(name) if self.stream.snapshots else None
        if path is None:
            self._send(404, "text/plain", b"No such snapshot.\n")
            return
        self._send(200, "image/jpeg", path.read_bytes())

    def _state(self):
        body = json.dumps(self.stream.telemetry.state()).encode()
        self._send(200, "application/json", body)

    def _health(self):
        healthy, why = self.stream.telemetry.health()
        body = json.dumps({"status": why, "fps": round(self.stream.telemetry.fps, 1)}).encode()
        self._send(200 if healthy else 503, "application/json", body)

    def _metrics(self):
        self._send(200, CONTENT_TYPE_LATEST, self.stream.telemetry.metrics())

    def _mjpeg(self):
        if not self.stream.enter():
            self._send(503, "text/plain", f"Already {self.stream.max_viewers} viewers; try again later.\n".encode())
            return
        try:
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self._no_cache()
            self.end_headers()
            index = 0
            while not self.stream.hub.closed:
                index, jpeg = self.stream.hub.next_jpeg(index, timeout=1.0)
                if jpeg is None:
                    continue  # no new frame (camera lost?): keep the viewer and wait
                head = (
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n"
                    f"X-Frame-Index: {index}\r\n\r\n"
                )
                self.wfile.write(head.encode() + jpeg + b"\r\n")
                self.wfile.flush()
        finally:
            self.stream.leave()

    def _send(self, status: int, kind: str, body: bytes, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self._no_cache()
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _no_cache(self):
        self.send_header("Cache-Control", "no-store")

    def send_error(self, code, message=None, explain=None):
        # http.server's own error pages quote the request line back, token and all: not ours.
        super().send_error(code, None, explain)

    def log_message(self, *args):
        pass  # one line per request would drown the device's log
