"""Property-based tests over what arrives from outside: snapshot index lines and raw HTTP requests.

Each asserts the project's promise for untrusted input: it works, or it is refused in one
sentence (or one HTTP answer); never a traceback, never a file touched outside its folder.
"""

from __future__ import annotations

import errno
import json
import socket
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgecam.edge.outputs.snapshots import FILE_NAME, SnapshotSettings, SnapshotSink, parse_entry

NAMES = st.one_of(
    st.sampled_from(["20260101-000000-000-face_appeared-1.jpg", "../victim", "/etc/hostname", "index.jsonl", "."]),
    st.text(max_size=20),
    st.integers(),
    st.none(),
)
ENTRIES = st.fixed_dictionaries(
    {},
    optional={
        "time": st.one_of(st.floats(), st.integers(), st.text(max_size=5), st.booleans(), st.none()),
        "event": st.sampled_from(["face_appeared", "face_renamed", "digits_changed", "other", ""]),
        "files": st.one_of(st.lists(NAMES, max_size=3), NAMES),
        "name": st.one_of(st.text(max_size=5), st.integers()),
        "confidence": st.one_of(st.floats(), st.text(max_size=3)),
    },
)
LINES = st.one_of(ENTRIES.map(lambda entry: json.dumps(entry)), st.text(max_size=60))


@settings(max_examples=400, deadline=None)
@given(LINES)
def test_an_index_line_is_an_entry_the_writer_could_have_made_or_nothing(line):
    entry = parse_entry(line)
    if entry is not None:
        assert entry["files"] and all(FILE_NAME.match(name) for name in entry["files"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LINES, max_size=12))
def test_any_index_starts_the_writer_and_touches_nothing_outside(tmp_path, lines):
    folder, canary = tmp_path / "snaps", tmp_path / "victim"
    folder.mkdir(exist_ok=True)
    canary.write_text("keep me")
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n")
    said: list[str] = []
    sink = SnapshotSink(SnapshotSettings(str(folder), max_files=1, min_free_mb=0), log=said.append)
    sink.close()
    assert canary.read_text() == "keep me" and all("\n" not in line for line in said)


def _server(snapshots=None):
    from edgecam.edge.outputs.frame_hub import FrameHub
    from edgecam.edge.outputs.stream_server import StreamServer
    from edgecam.edge.outputs.telemetry import Telemetry

    return StreamServer("127.0.0.1:0", FrameHub(), Telemetry(), token="t0ken", snapshots=snapshots)


def _exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(request)
        client.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


REQUESTS = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda method, path, version, headers: f"{method} {path} {version}\r\n{headers}\r\n\r\n".encode(
            "utf-8", "surrogatepass"
        ),
        st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "G\x00T", ""]),
        st.one_of(
            st.sampled_from(["/", "/stream.mjpg", "/snapshots/..%2Findex.jsonl", "/state.json?token=t0ken", "//"]),
            st.text(max_size=40).map(lambda t: "/" + t.replace(" ", "%20").replace("\r", "").replace("\n", "")),
        ),
        st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/9.9", "", "HTTP/1.1 extra"]),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80),
    ),
)


def test_raw_requests_get_an_answer_or_a_closed_door_and_the_server_lives_on():
    server = _server()
    try:

        @settings(max_examples=250, deadline=None)
        @given(REQUESTS)
        def check(request):
            answer = _exchange(server.port, request)
            assert b"t0ken" not in answer  # the secret is never echoed, whatever was asked
            # Whatever that was (an HTTP/0.9 line gets a bare body, garbage a 400 or a closed door),
            # the server is still there for the next client.
            good = _exchange(server.port, b"GET /healthz HTTP/1.1\r\nAuthorization: Bearer t0ken\r\n\r\n")
            assert good.startswith((b"HTTP/1.0 200", b"HTTP/1.0 503")), good[:100]

        started = time.monotonic()
        check()
        assert time.monotonic() - started < 300
    finally:
        server.close()


class _FailingCard(SnapshotSink):
    """Snapshots on an SD card that has begun to fail: listing them is an I/O error."""

    def latest(self, count: int) -> list[dict]:
        raise OSError(errno.EIO, "Input/output error")


def test_a_failure_of_the_device_is_a_500_with_a_sentence_and_one_line_in_the_log(tmp_path, capsys):
    card = _FailingCard(SnapshotSettings(str(tmp_path / "snaps"), min_free_mb=0))
    server = _server(snapshots=card)
    try:
        answer = _exchange(server.port, b"GET /snapshots.json?token=t0ken HTTP/1.1\r\n\r\n")
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.0 500"), head
        assert body == b"The device failed to answer this request; its log says why.\n"
        good = _exchange(server.port, b"GET /healthz?token=t0ken HTTP/1.1\r\n\r\n")
        assert good.startswith((b"HTTP/1.0 200", b"HTTP/1.0 503")), good[:100]
    finally:
        server.close()
        card.close()
    logged = capsys.readouterr().err.splitlines()
    assert logged == ["stream: GET /snapshots.json failed (OSError: [Errno 5] Input/output error)"]
