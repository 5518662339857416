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
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from prometheus_client.core import CounterMetricFamily

from edgecam.edge import atomic

INDEX = "index.jsonl"
EVENTS = ("face_appeared", "face_renamed", "digits_changed")
# Names the writer makes: the server serves nothing else from the folder.
FILE_NAME = re.compile(r"^\d{8}-\d{6}-\d{3}-[a-z_]+-\d+(-face)?\.jpg$")


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
        self.folder.mkdir(parents=True, exist_ok=True)
        self.written = self.dropped = 0
        self.paused_for_space = False
        self._pending: list[dict] = []
        self._sequence = 0
        self._lock = threading.Lock()  # the index: the writer appends, the web server reads
        self._queue: queue.Queue = queue.Queue(maxsize=settings.queue)
        self.entries = self._reconcile()
        self._enforce_retention()
        self._thread = threading.Thread(target=self._work, name="edgecam-snapshots", daemon=True)
        self._thread.start()

    # --- the loop's side: cheap, never blocks ---
    def change(self, change: dict) -> None:
        if change.get("event") in EVENTS:
            self._pending.append(change)

    def write(self, frame: np.ndarray, event: dict) -> None:
        for change in self._pending:
            face = None
            if "box" in change:
                x, y, w, h = (int(v) for v in change["box"])
                face = frame[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)].copy()
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
        if not FILE_NAME.match(name):
            return None
        path = (self.folder / name).resolve()
        if path.parent != self.folder.resolve() or not path.is_file():
            return None
        return path

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
        enough = free_mb >= self.settings.min_free_mb
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
    def _reconcile(self) -> list[dict]:
        entries = []
        index = self.folder / INDEX
        if index.is_file():
            for line in index.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash
                if (
                    isinstance(entry, dict)
                    and entry.get("files")
                    and all((self.folder / f).is_file() for f in entry["files"])
                ):
                    entries.append(entry)
        known = {f for entry in entries for f in entry["files"]}
        for path in self.folder.iterdir():
            if (
                path.name != INDEX
                and path.is_file()
                and path.name not in known
                and (FILE_NAME.match(path.name) or path.name.startswith("."))
            ):
                path.unlink(missing_ok=True)  # written but never indexed, or a temporary file
        self._rewrite_index(entries)
        return entries

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
        for entry in gone:  # after the index no longer names them: a crash here leaves orphans, cleaned on start
            for name in entry["files"]:
                (self.folder / name).unlink(missing_ok=True)

    def _rewrite_index(self, entries: list[dict]) -> None:
        text = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)
        atomic.write_bytes(self.folder / INDEX, text.encode("utf-8"), mode=0o600)
