"""`edgecam models fetch yunet` against a local server: the real copy, a wrong file, a dead server."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import threading
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, run_cli
from tests.orl_scenes import ORL, write_orl_dataset

YUNET = SHARED_DATA.parent / "models" / "face_detection_yunet_2023mar.onnx"
needs_yunet = pytest.mark.skipif(not YUNET.is_file(), reason="YuNet model (../shared/models) not present")


@contextlib.contextmanager
def serving(folder: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _fetch(data_home: Path, url: str, *extra: str):
    return run_cli("models", "fetch", "yunet", "--url", url, *extra, env={"XDG_DATA_HOME": str(data_home)})


@needs_yunet
def test_fetch_verifies_and_stores_the_model(tmp_path):
    with serving(YUNET.parent) as base:
        result = _fetch(tmp_path / "data", f"{base}/{YUNET.name}", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stored = tmp_path / "data" / "edgecam" / "models" / YUNET.name
    assert report["path"] == str(stored) and report["size"] == 232_589
    assert stored.read_bytes() == YUNET.read_bytes()
    assert [p.name for p in stored.parent.iterdir()] == [YUNET.name]  # no temporary file left behind


@needs_yunet
def test_a_file_with_the_wrong_checksum_is_refused_and_not_kept(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    tampered = bytearray(YUNET.read_bytes())
    tampered[1000] ^= 0xFF  # same size, one byte changed
    (served / YUNET.name).write_bytes(bytes(tampered))
    with serving(served) as base:
        result = _fetch(tmp_path / "data", f"{base}/{YUNET.name}")
    assert result.returncode == 65, result.stderr
    assert (
        "is not the published face_detection_yunet_2023mar.onnx" in result.stderr and "Traceback" not in result.stderr
    )
    folder = tmp_path / "data" / "edgecam" / "models"
    assert not folder.exists() or not any(folder.iterdir())


def test_a_dead_server_or_a_missing_file_is_one_sentence(tmp_path):
    with serving(tmp_path) as base:
        missing = _fetch(tmp_path / "data", f"{base}/nothing-here.onnx")
    dead = _fetch(tmp_path / "data", base + "/x.onnx")  # the server is gone now
    assert missing.returncode == 69 and "answered 404" in missing.stderr
    assert dead.returncode == 69 and "after 3 attempts" in dead.stderr
    assert "Traceback" not in missing.stderr + dead.stderr
    unknown = run_cli("models", "fetch", "facenet")
    assert unknown.returncode == 78 and "edgecam can fetch: yunet" in unknown.stderr


@needs_yunet
@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")
def test_a_fetched_yunet_is_used_when_asked_and_haar_stays_the_default(tmp_path):
    data_home = tmp_path / "data"
    dataset = write_orl_dataset(tmp_path / "ds", range(1, 4), range(1, 5))
    env = {"XDG_DATA_HOME": str(data_home)}
    not_yet = run_cli("train", "faces", str(dataset), "--out", str(tmp_path / "none"), "--yunet", "fetched", env=env)
    assert not_yet.returncode == 66 and "edgecam models fetch yunet" in not_yet.stderr
    with serving(YUNET.parent) as base:
        assert _fetch(data_home, f"{base}/{YUNET.name}").returncode == 0
    # Haar by default, fetched YuNet or not: it named more known faces on the held-out scenes.
    for extra, expected in (((), "haar"), (("--yunet", "fetched"), "yunet"), (("--haar",), "haar")):
        out = tmp_path / f"model-{expected}"
        result = run_cli("train", "faces", str(dataset), "--out", str(out), *extra, env=env)
        assert result.returncode == 0, result.stderr
        detector = json.loads((out / "faces.json").read_text())["detector"]
        assert detector["detector"] == expected
    stored = Path(json.loads((tmp_path / "model-yunet" / "faces.json").read_text())["detector"]["yunet_model"])
    assert stored.is_relative_to(data_home) and os.path.getsize(stored) == 232_589
