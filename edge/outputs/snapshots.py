"""A picture for every scene change: the annotated frame (and the face crop) as JPEG, with an index.

On ``face_appeared``, ``face_renamed`` and ``digits_changed`` the loop's frame is
copied and handed to a writer thread through a bounded queue: the loop never
waits for a JPEG encoder or a disk; when the queue is full the snapshot is
dropped and counted. Every file is written under a temporary name and renamed,
mode 0600; ``index.jsonl`` gets one line per snapshot. Retention keeps at most
``max_files`` snapshots and none older than ``max_days``, oldest first, and
writing stops (with one message) while the disk has less than ``min_free_mb``
free. On start the index is made true again: lines whose files are gone are
dropped, files the index does not know (a crash between the two) are deleted.

The folder is untrusted input: someone may have edited the index or planted links in it.
Every index line is validated (a bad one is skipped, counted and named in one warning);
only regular files directly inside the folder, named as the writer names them, are ever
deleted or served, and links are never followed. A disk too full to tidy the index at start
pauses snapshots with one warning; the loop runs on.
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import shutil
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from prometheus_client.core import CounterMetricFamily

from edgecam.edge import atomic
from edgecam.edge.errors import ConfigError
from edgecam.edge.faces.recognizer import UNKNOWN

INDEX = "index.jsonl"
FACE_MARGIN = 0.4  # of the face's size, on each side of a face crop (as edgecam enroll keeps)
EVENTS = ("face_appeared", "face_renamed", "digits_changed")
SNAPSHOT = r"\d{8}-\d{6}-\d{3}-[a-z_]+-\d+(-face)?\.jpg"  # time, event, sequence: how the writer names a file
# Names the writer makes: the server serves nothing else from the folder.
FILE_NAME = re.compile(rf"^{SNAPSHOT}$")
# What a crash mid-write leaves (edge.atomic's temporary names for a snapshot or the index).
TEMPORARY_NAME = re.compile(rf"^\.(index\.jsonl|{SNAPSHOT})\.\w+\.tmp(\.jpg|\.jsonl)$")


def _finite(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def parse_entry(line: str) -> dict | None:
    """One index line as an entry, or None when it is not one the writer could have made."""
    try:
        entry = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("event") not in EVENTS:
        return None
    files = entry.get("files")
    if not _finite(entry.get("time")) or not _finite(entry.get("confidence", 0.0)):
        return None
    if not isinstance(files, list) or not files or len(files) > 2:
        return None
    if not all(isinstance(name, str) and FILE_NAME.match(name) for name in files):
        return None  # a path, a traversal, or a name the writer never makes
    for key in ("name", "text"):
        if key in entry and not isinstance(entry[key], str):
            return None
    return entry


def regular_file(folder: Path, name: str) -> bool:
    """``name`` is a regular file directly inside ``folder`` (a link, even to a file, is not)."""
    try:
        return stat.S_ISREG((folder / name).lstat().st_mode)
    except OSError:
        return False


@dataclass
class SnapshotSettings:
    folder: str
    max_files: int = 1000  # snapshots (a frame and its face crop count as one)
    max_days: float = 30.0
    min_free_mb: int = 200
    queue: int = 8  # snapshots waiting for the writer; beyond it they are dropped and counted
    quality: int = 85


class SnapshotSink:
    """A loop sink: ``change`` notes a scene change, ``write`` takes the frame it happened on."""

    name = "snapshots"

    def __init__(self, settings: SnapshotSettings, log=print):
        self.settings, self.log = settings, log
        self.folder = Path(settings.folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file where the folder should be, under a file, no permission
            raise ConfigError(
                f"[snapshots] folder {self.folder} cannot be used as a folder ({error.strerror or error})."
            ) from None
        self.written = self.dropped = self.bad_lines = 0
        self.paused_for_space = False
        self._pending: list[dict] = []
        self._raw: np.ndarray | None = None  # the current frame as the camera gave it
        self._sequence = 0
        self._lock = threading.Lock()  # the index: the writer appends, the web server reads
        self._queue: queue.Queue = queue.Queue(maxsize=settings.queue)
        self.entries: list[dict] = []
        try:
            self._reconcile()
            self._enforce_retention()
        except OSError as error:  # a full or failing disk: the loop must still run
            self.paused_for_space = True
            self.log(
                f"Snapshots paused: {self.folder} could not be tidied at start ({error.strerror or error}); "
                "they resume once the disk has room."
            )
        self._thread = threading.Thread(target=self._work, name="edgecam-snapshots", daemon=True)
        self._thread.start()

    # --- the loop's side: cheap, never blocks ---
    def offer(self, frame: np.ndarray) -> None:
        """The frame before anything is drawn on it (the loop's taps): face crops are cut from it,
        so that a crop named on the live page teaches the model a face, not a box and a label."""
        self._raw = frame.copy()

    def change(self, change: dict) -> None:
        if change.get("event") in EVENTS:
            self._pending.append(change)

    def write(self, frame: np.ndarray, event: dict) -> None:
        for change in self._pending:
            face = None
            if "box" in change:
                # With some of the head around it, as enrolment keeps a face: the crop can become a
                # person's photo on the live page (a detector needs that context to find it again).
                x, y, w, h = (int(v) for v in change["box"])
                mx, my = round(FACE_MARGIN * w), round(FACE_MARGIN * h)
                raw = self._raw if self._raw is not None and self._raw.shape == frame.shape else frame
                face = raw[max(0, y - my) : max(0, y + h + my), max(0, x - mx) : max(0, x + w + mx)].copy()
            try:
                self._queue.put_nowait((change, frame.copy(), face))
            except queue.Full:
                self.dropped += 1
        self._pending.clear()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    # --- what the web page reads ---
    def latest(self, count: int) -> list[dict]:
        with self._lock:
            return list(reversed(self.entries[-count:]))

    def path_of(self, name: str) -> Path | None:
        """The snapshot file called ``name``, or None for anything else (other names, traversal)."""
        if not FILE_NAME.match(name) or not regular_file(self.folder, name):
            return None
        return self.folder / name

    def unknown_faces(self, count: int) -> list[dict]:
        """The newest ``count`` faces seen as "unknown": their crop's file name is their id."""
        with self._lock:
            entries = [e for e in reversed(self.entries) if e.get("name") == UNKNOWN and len(e["files"]) == 2]
        return [{"id": e["files"][1], "time": e["time"]} for e in entries[:count]]

    def forget(self, names: set[str]) -> None:
        """Drop the snapshots holding any of the files ``names`` (their faces now have a name)."""
        with self._lock:
            gone = [e for e in self.entries if names & set(e["files"])]
            self.entries = [e for e in self.entries if e not in gone]
            self._rewrite_index(self.entries)
        self._delete_files(gone)

    def collect(self):
        """For /metrics (prometheus_client's custom collector protocol)."""
        yield CounterMetricFamily("edgecam_snapshots_written", "Snapshots written", value=self.written)
        yield CounterMetricFamily(
            "edgecam_snapshots_dropped",
            "Snapshots dropped: the writer's queue was full, the disk low or failing",
            value=self.dropped,
        )

    # --- the writer thread ---
    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._save(*item)
            except OSError as error:
                self.dropped += 1
                self.log(f"A snapshot could not be written: {error.strerror or error}.")

    def _save(self, change: dict, frame: np.ndarray, face: np.ndarray | None) -> None:
        if not self._room_on_disk():
            self.dropped += 1
            return
        moment = change.get("time", time.time())
        self._sequence += 1
        stem = (
            time.strftime("%Y%m%d-%H%M%S", time.localtime(moment))
            + f"-{int(moment * 1000) % 1000:03d}"
            + f"-{change['event']}-{self._sequence}"
        )
        files = [self._jpeg(f"{stem}.jpg", frame)]
        if face is not None and face.size:
            files.append(self._jpeg(f"{stem}-face.jpg", face))
        entry = {"time": round(moment, 3), "event": change["event"], "files": files}
        if change["event"] == "digits_changed":
            entry["text"] = change.get("text", "")
        else:
            entry["name"] = change.get("name", "")
        if "confidence" in change:
            entry["confidence"] = round(float(change["confidence"]), 3)
        with self._lock:
            with open(self.folder / INDEX, "a", encoding="utf-8") as index:
                index.write(json.dumps(entry, ensure_ascii=False) + "\n")
                index.flush()
                os.fsync(index.fileno())
            os.chmod(self.folder / INDEX, 0o600)
            self.entries.append(entry)
            self.written += 1
        self._enforce_retention()

    def _jpeg(self, name: str, image: np.ndarray) -> str:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.settings.quality])
        if not ok:
            raise OSError(f"JPEG encoding failed for {name}")
        atomic.write_bytes(self.folder / name, data.tobytes(), mode=0o600)
        return name

    def _room_on_disk(self) -> bool:
        free_mb = shutil.disk_usage(self.folder).free / 2**20
        # At least a megabyte whatever min_free_mb says: a frame's JPEG and the index need room,
        # and a disk filled to the last block would fail every write with the same message.
        enough = free_mb >= max(self.settings.min_free_mb, 1)
        if enough == self.paused_for_space:  # the state changed: say so once
            self.paused_for_space = not enough
            self.log(
                f"Snapshots paused: {free_mb:.0f} MB free in {self.folder}, below the "
                f"{self.settings.min_free_mb} MB kept free."
                if not enough
                else "Snapshots resumed: disk space is back."
            )
        return enough

    # --- the index and the files agree, and stay within bounds ---
    def _reconcile(self) -> None:
        """self.entries from the index, every line checked; then the index and the folder made to agree."""
        entries = self.entries
        bad: list[int] = []
        if regular_file(self.folder, INDEX):
            text = (self.folder / INDEX).read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), 1):
                entry = parse_entry(line)
                if entry is None:
                    bad.append(number)  # hand-edited, planted, or cut short by a crash
                elif all(regular_file(self.folder, name) for name in entry["files"]):
                    entries.append(entry)
        if bad:
            self.bad_lines = len(bad)
            shown = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
            self.log(
                f"Snapshots: skipped {len(bad)} line(s) of {self.folder / INDEX} that are not snapshots ({shown})."
            )
        known = {name for entry in entries for name in entry["files"]}
        for path in self.folder.iterdir():
            ours = FILE_NAME.match(path.name) or TEMPORARY_NAME.match(path.name)
            if ours and path.name not in known and regular_file(self.folder, path.name):
                path.unlink(missing_ok=True)  # written but never indexed, or a temporary file
        self._rewrite_index(entries)

    def _enforce_retention(self) -> None:
        oldest_kept = time.time() - self.settings.max_days * 86400
        with self._lock:
            keep_from = max(0, len(self.entries) - self.settings.max_files)
            while keep_from < len(self.entries) and self.entries[keep_from]["time"] < oldest_kept:
                keep_from += 1
            if keep_from == 0:
                return
            gone, self.entries = self.entries[:keep_from], self.entries[keep_from:]
            self._rewrite_index(self.entries)
        self._delete_files(gone)

    def _delete_files(self, entries: list[dict]) -> None:
        """After the index no longer names them: a crash here leaves orphans, cleaned on start."""
        for entry in entries:
            for name in entry["files"]:
                if regular_file(self.folder, name):  # names validated at parse_entry: never a path
                    (self.folder / name).unlink(missing_ok=True)

    def _rewrite_index(self, entries: list[dict]) -> None:
        text = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)
        atomic.write_bytes(self.folder / INDEX, text.encode("utf-8"), mode=0o600)
