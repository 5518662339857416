"""Face-model changes made off the frame path, one at a time, and swapped in between two frames.

A change (add images, rename, retrain) is driven by this worker thread and done by a training
process of its own (``model_change``), at a lower priority: on a one-core Pi the camera's loop
keeps the CPU, and training never holds the loop's interpreter. When it succeeds, the new
recogniser is loaded here, and the loop only swaps a reference before its next frame, so it
never waits for a model. A change that fails leaves the running model as it was and says why.
At most QUEUED changes wait; one more is refused (Busy), never queued without bound.
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edgecam.edge.errors import DataError, EdgecamError

QUEUED = 4
NICENESS = 10  # the training process yields the CPU to the loop
TRAINING = "edgecam.train.faces.library_changes"  # the module a change runs as, in its own process


def model_change(args: list[str], progress: Callable[[str, float], None]) -> None:
    """Run one change of the face model (TRAINING's ``add``, ``rename`` or ``retrain``) in a process
    of its own and wait for it, passing its progress on; its one-sentence failure as a DataError."""
    nice = ["nice", "-n", str(NICENESS)] if shutil.which("nice") else []
    with subprocess.Popen(
        [*nice, sys.executable, "-m", TRAINING, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        for line in process.stdout:
            if line.startswith("progress "):
                progress("retraining", float(line.split()[1]))
        why = process.stderr.read().strip()
    if process.returncode != 0:
        raise DataError(why.splitlines()[-1] if why else f"the training process ended with code {process.returncode}.")


class Busy(Exception):
    """The queue of changes is full: ask again once the model has caught up."""


@dataclass
class Change:
    """``work(progress)`` changes the model on disk and returns the new recogniser with the
    names it renamed (None: judge every face afresh); ``undo()`` runs when it fails."""

    what: dict  # the setup_changed event's "change"
    work: Callable[[Callable[[str, float], None]], tuple]
    undo: Callable[[], None] | None = None


class ModelUpdates:
    def __init__(self, swap: Callable[[object, dict | None, dict], None], log=print):
        """``swap(recognizer, renamed, what)``: hand the new model to the loop (Pipeline.later)."""
        self.swap, self.log = swap, log
        self.version = 0  # bumped by the loop once a new model is live (``live``)
        self.error: str | None = None
        self.step, self.fraction = "", 0.0
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED)
        self._busy = 0  # changes queued, running, or waiting for the loop to swap them in
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="edgecam-model-updates", daemon=True)
        self._thread.start()

    def submit(self, change: Change) -> None:
        with self._lock:
            try:
                self._queue.put_nowait(change)
            except queue.Full:
                raise Busy from None
            self._busy += 1

    def live(self) -> None:
        """Called by the loop when it swapped a new model in."""
        with self._lock:
            self.version += 1
            self._busy -= 1

    def state(self) -> dict:
        with self._lock:
            updating = self._busy > 0
            out: dict = {"state": "updating" if updating else "ready", "version": self.version}
        if updating:
            out["progress"] = {"step": self.step, "fraction": round(self.fraction, 3)}
        if self.error:
            out["error"] = self.error
        return out

    def close(self) -> None:
        self._queue.put(None)  # the worker is a daemon: a retrain in progress does not hold the exit
        self._thread.join(timeout=1)

    def _progress(self, step: str, fraction: float) -> None:
        self.step, self.fraction = step, fraction

    def _work(self) -> None:
        while (change := self._queue.get()) is not None:
            started = time.monotonic()
            self._progress(change.what.get("action", "updating"), 0.0)
            try:
                recognizer, renamed = change.work(self._progress)
            except (EdgecamError, OSError, ValueError) as error:
                self._failed(change, str(error) if isinstance(error, EdgecamError) else f"{error}")
                continue
            except Exception as error:  # a bug must not kill the worker, nor the loop
                self._failed(change, f"{type(error).__name__}: {error}")
                continue
            self.error = None
            self._progress("", 1.0)
            self.log(f"Face model updated ({change.what.get('action')}) in {time.monotonic() - started:.1f} s.")
            self.swap(recognizer, renamed, change.what)

    def _failed(self, change: Change, why: str) -> None:
        if change.undo:
            change.undo()
        self.error = f"{change.what.get('action', 'the change')} failed, the model is unchanged: {why}"
        self.log(self.error)
        with self._lock:
            self._busy -= 1
