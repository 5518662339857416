"""Snapshots of scene changes: real runs write them, retention keeps them bounded, the page shows them."""

from __future__ import annotations

import json
import os
import signal
import stat
import time

import numpy as np
import pytest

from tests.conftest import reading_the_clip, run_cli
from tests.processes import free_port, wait_for
from tests.test_stream import BROWSER, _chromium, _get, _metrics, _up, serve_the_clip


def _index(folder) -> list[dict]:
    return [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]


def test_a_run_keeps_a_snapshot_for_every_face_and_card_change(clip, fp32_export, faces_model, tmp_path):
    folder = tmp_path / "snaps"
    result = run_cli(
        "run",
        *reading_the_clip(clip, fp32_export),
        "--headless",
        "--faces",
        str(faces_model),
        "--snapshots",
        str(folder),
        "--events",
        str(tmp_path / "events.jsonl"),
        "--threads",
        "1",
    )
    assert result.returncode == 0, result.stderr
    entries = _index(folder)
    texts = [e["text"] for e in entries if e["event"] == "digits_changed"]
    # The cards the clip shows were read and kept, one snapshot each (the clip's truth; as in the MQTT
    # test, one misread card is allowed).
    cards = [t for i, t in enumerate(clip.texts) if i == 0 or clip.texts[i - 1] != t]
    assert len(texts) <= len(cards) + 1 and sum(text in cards for text in texts) >= len(cards) - 1, (texts, cards)
    names = {e["name"] for e in entries if e["event"] == "face_appeared"}
    assert names and names <= {"s31", "s32", "s33"}, entries
    for entry in entries:
        assert entry["time"] > 0 and entry["files"][0].endswith(".jpg")
        for name in entry["files"]:
            path = folder / name
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert path.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
        if entry["event"] == "face_appeared":
            assert len(entry["files"]) == 2 and entry["files"][1].endswith("-face.jpg")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["index.jsonl"] + [f for e in entries for f in e["files"]]
    )


def _frame(value: int) -> np.ndarray:
    return np.full((120, 160, 3), value, np.uint8)


def _feed(sink, count: int, start_time: float, step: float = 1.0) -> None:
    for i in range(count):
        sink.change(
            {
                "event": "face_appeared",
                "time": start_time + i * step,
                "track": i,
                "name": f"p{i}",
                "confidence": 0.9,
                "box": [10, 10, 40, 40],
            }
        )
        sink.write(_frame(i * 20), {})


def test_retention_deletes_the_oldest_and_a_restart_keeps_the_index_true(tmp_path):
    from edgecam.edge.outputs.snapshots import SnapshotSettings, SnapshotSink

    settings = SnapshotSettings(str(tmp_path), max_files=3, max_days=30, min_free_mb=0, queue=16)
    sink = SnapshotSink(settings, log=lambda m: None)
    _feed(sink, 5, time.time() - 100, step=20)  # 100, 80, 60, 40 and 20 s ago
    sink.close()
    entries = _index(tmp_path)
    assert [e["name"] for e in entries] == ["p2", "p3", "p4"]
    on_disk = sorted(p.name for p in tmp_path.glob("*.jpg"))
    assert on_disk == sorted(f for e in entries for f in e["files"])

    # A crash between a file and its index line, and an index line whose files are gone.
    (tmp_path / entries[0]["files"][0]).unlink()
    orphan = tmp_path / "20260101-000000-000-face_appeared-99.jpg"
    orphan.write_bytes(b"\xff\xd8")
    with open(tmp_path / "index.jsonl", "a") as index:
        index.write('{"time": 1, "event": "face_app')  # cut short
    # Snapshots older than max_days go too: p3, 40 s old, with a limit of 30 s.
    settings.max_days = 30 / 86400
    sink = SnapshotSink(settings, log=lambda m: None)
    sink.close()
    assert [e["name"] for e in _index(tmp_path)] == ["p4"]
    assert sorted(p.name for p in tmp_path.glob("*.jpg")) == sorted(_index(tmp_path)[0]["files"])


def test_a_full_queue_drops_and_counts_instead_of_stalling_the_loop(tmp_path):
    from edgecam.edge.outputs.snapshots import SnapshotSettings, SnapshotSink

    sink = SnapshotSink(SnapshotSettings(str(tmp_path), min_free_mb=0, queue=2), log=lambda m: None)
    with sink._lock:  # the writer waits on the index, as it would on a stalled SD card
        started = time.perf_counter()
        _feed(sink, 10, time.time())
        elapsed = time.perf_counter() - started
        assert sink.dropped >= 7 and elapsed < 2.0, (sink.dropped, elapsed)
    sink.close()
    assert sink.written + sink.dropped == 10 and len(_index(tmp_path)) == sink.written


def _carried_history(html: str) -> list[dict]:
    """The snapshot history the server put inside the page."""
    return json.loads(html.split('<script id="history-now" type="application/json">')[1].split("</script>")[0])


def test_the_page_serves_the_history_and_refuses_other_files(clip, fp32_export, tmp_path):
    folder = tmp_path / "snaps"
    port = free_port()
    (tmp_path / "secret.txt").write_text("not for the web")
    process = serve_the_clip(
        clip,
        fp32_export,
        port,
        "--snapshots",
        str(folder),
        env={"EDGECAM_STREAM_TOKEN": "tok"},
    )
    auth = {"Authorization": "Bearer tok"}
    try:
        assert wait_for(lambda: _up(port, headers=auth), 60), "the stream never came up"
        assert wait_for(lambda: len(json.loads(_get(port, "/snapshots.json", auth)[2])) >= 2, 60)
        history = json.loads(_get(port, "/snapshots.json", auth)[2])
        assert history[0]["time"] >= history[-1]["time"]  # newest first
        status, headers, body = _get(port, "/snapshots/" + history[0]["files"][0], auth)
        assert status == 200 and headers["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"
        assert _get(port, "/snapshots/" + history[0]["files"][0])[0] == 401  # the token guards it too
        metrics = _metrics(port, headers=auth)
        assert metrics["edgecam_snapshots_written_total"] >= 2 and metrics["edgecam_snapshots_dropped_total"] == 0
        for name in (
            "../secret.txt",
            "..%2Fsecret.txt",
            "%2e%2e/secret.txt",
            "index.jsonl",
            "..%2F..%2Fetc%2Fpasswd",
            "/etc/passwd",
            "20260101-000000-000-face_appeared-1.jpg/../../x",
        ):
            assert _get(port, "/snapshots/" + name, auth)[0] == 404, name
        assert len(_carried_history(_get(port, "/", auth)[2].decode())) >= 2  # the page opens with its history
        if BROWSER:
            url = f"http://127.0.0.1:{port}/?token=tok"
            (tmp_path / "browser").mkdir()
            page = _chromium(url, tmp_path / "browser", "--dump-dom")
            dom = page.stdout.decode()
            # The loop keeps writing snapshots while Chromium starts, so the page may be served a newer
            # history than the one read above: compare with what this page carried.
            served = _carried_history(dom)
            assert len(served) >= 2
            # Drawn by the page's script: a linked image per entry, not just the names in the carried JSON.
            drawn = [e["files"][0] for e in served if f'src="snapshots/{e["files"][0]}?token=tok"' in dom]
            section = dom[dom.find('<section id="history"') : dom.find("<script")]
            assert drawn == [e["files"][0] for e in served], ("the page's history", page.stderr[-800:], section, served)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_a_tampered_index_is_skipped_line_by_line_and_nothing_outside_the_folder_is_touched(tmp_path):
    from edgecam.edge.outputs.snapshots import SnapshotSettings, SnapshotSink

    folder = tmp_path / "snaps"
    settings = SnapshotSettings(str(folder), max_files=1, min_free_mb=0)
    sink = SnapshotSink(settings, log=lambda m: None)
    _feed(sink, 1, time.time())
    sink.close()
    good = _index(folder)[0]
    victims = [tmp_path / "victim", tmp_path / "abs-victim"]
    for victim in victims:
        victim.write_text("keep me")
    (folder / "index.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"time": 0, "event": "face_appeared", "files": ["../victim"]}),  # traversal
                json.dumps({"time": 0, "event": "face_appeared", "files": [str(victims[1])]}),  # an absolute path
                json.dumps({"event": "face_appeared", "files": good["files"]}),  # no time
                json.dumps({"time": 0, "event": "face_appeared", "files": [7]}),  # not a name
                json.dumps({"time": "soon", "event": "digits_changed", "files": good["files"]}),
                json.dumps(["not", "an", "entry"]),
                "[" * 5000,  # deeper than the JSON parser will go
                json.dumps(good),
            ]
        )
        + "\n"
    )
    said: list[str] = []
    sink = SnapshotSink(settings, log=said.append)  # retention (max_files=1) runs at once
    _feed(sink, 1, time.time())  # and again after a new snapshot pushes the old one out
    sink.close()
    assert all(victim.read_text() == "keep me" for victim in victims)
    assert sink.bad_lines == 7 and any("skipped 7 line(s)" in line and "(1, 2, 3, 4, 5, 6, 7)" in line for line in said)
    assert len(_index(folder)) == 1 and _index(folder)[0]["time"] > good["time"]


def test_links_in_the_folder_are_never_served_followed_or_deleted(tmp_path):
    from edgecam.edge.outputs.snapshots import SnapshotSettings, SnapshotSink

    folder = tmp_path / "snaps"
    folder.mkdir()
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"\xff\xd8 not ours")
    (folder / "index.jsonl").write_text("")
    # A snapshot-like name that leads to the index, and an orphan-like one that leads outside.
    (folder / "20260101-000000-000-face_appeared-1.jpg").symlink_to(folder / "index.jsonl")
    (folder / "20260101-000000-000-face_appeared-2.jpg").symlink_to(outside)
    sink = SnapshotSink(SnapshotSettings(str(folder), min_free_mb=0), log=lambda m: None)
    sink.close()
    assert sink.path_of("20260101-000000-000-face_appeared-1.jpg") is None
    assert sink.path_of("20260101-000000-000-face_appeared-2.jpg") is None
    assert outside.read_bytes() == b"\xff\xd8 not ours" and (folder / "index.jsonl").exists()


def test_a_full_disk_at_start_pauses_snapshots_and_the_sink_still_works(tmp_path):
    import shutil
    import subprocess

    from edgecam.edge.outputs.snapshots import SnapshotSettings, SnapshotSink

    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    disk = tmp_path / "small"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=False).returncode:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        folder = disk / "snaps"
        sink = SnapshotSink(SnapshotSettings(str(folder), min_free_mb=0), log=lambda m: None)
        _feed(sink, 1, time.time())
        sink.close()
        (disk / "filler").write_bytes(b"\0" * (2 * 1024 * 1024))  # now every block is taken
    except OSError:
        pass  # the filler stops where the disk does
    try:
        said: list[str] = []
        sink = SnapshotSink(SnapshotSettings(str(folder), min_free_mb=0), log=said.append)
        _feed(sink, 2, time.time())  # never waits, never raises: dropped and counted
        sink.close()
        assert sink.paused_for_space and sum("Snapshots paused" in line for line in said) == 1, said
        assert "could not be tidied at start" in said[0] and len(_index(folder)) == 1  # the old index stands
        assert sink.written + sink.dropped == 2
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_snapshot_folder_that_is_a_file_is_one_sentence(clip, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    for folder in (taken, taken / "below"):
        result = run_cli(
            "run", "--source", str(clip.path), "--headless", "--max-frames", "5", "--snapshots", str(folder)
        )
        # Refused by the config's own check ('snapshots.folder'), or by the sink for a folder that
        # turns into a file after the config was read ('[snapshots] folder'): one sentence, exit 78.
        assert result.returncode == 78 and "snapshots" in result.stderr and "folder" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
