"""Where annotated frames and events go: a window, an MP4, a JSON-lines log.

Every sink has ``write(frame, event)`` and ``close()``. Nothing a crash can
interrupt is left half-written: the recording is written under a temporary
name and renamed when it is finalised, and each event line is flushed whole.
A sink that fails (a full disk) is reported once and dropped; the loop goes on.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.errors import EX_CANTCREAT, EdgecamError, Unavailable


class StopRequested(Exception):
    """Raised by the window when the user presses q or Esc."""


class RecordSink:
    """An annotated MP4 at the source's frame rate."""

    name = "record"

    def __init__(self, path: str | os.PathLike, fps: float):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self.fps = fps if 1 <= fps <= 240 else 30.0
        self.writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, frame: np.ndarray, event: dict) -> None:
        if self.writer is None:
            height, width = frame.shape[:2]
            self.writer = cv2.VideoWriter(str(self.tmp), cv2.VideoWriter.fourcc(*"mp4v"), self.fps, (width, height))
            if not self.writer.isOpened():
                raise EdgecamError(f"Cannot write a video at {self.path}.", EX_CANTCREAT)
        self.writer.write(frame)
        self.frames += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()  # writes the MP4 index: only now is the file playable
            os.replace(self.tmp, self.path)
            self.writer = None


class EventsSink:
    """One JSON object per processed frame, one per line, flushed as it is written."""

    name = "events"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - open for the sink's life, closed by close()

    def write(self, frame: np.ndarray | None, event: dict) -> None:
        self.handle.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.handle.flush()

    def note(self, event: dict) -> None:
        """Events that are not frames (camera lost, restored)."""
        self.write(None, event)

    def close(self) -> None:
        if not self.handle.closed:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()


class DisplaySink:
    """A window: q or Esc quits, s saves a snapshot, p pauses.

    OpenCV's own window where its build has a GUI; otherwise (the headless wheel edgecam
    installs, so that a Pi without X libraries can import it) a Tk window."""

    name = "display"
    TITLE = "edgecam"
    QUIT, SNAPSHOT, PAUSE = {"q", "Escape"}, "s", "p"

    def __init__(self, snapshot_dir: str | os.PathLike = "."):
        self.snapshot_dir = Path(snapshot_dir)
        self.paused = False
        self.tk = None
        try:
            cv2.namedWindow(self.TITLE, cv2.WINDOW_AUTOSIZE)
        except cv2.error:
            self.tk = self._tk_window()

    def _tk_window(self):
        try:
            from edgecam.edge.outputs.tk_window import TkWindow

            return TkWindow(self.TITLE)
        except ImportError as error:
            raise Unavailable(
                "Cannot open a window: this OpenCV has no GUI and Python has no Tk "
                "(on Debian: sudo apt install python3-tk); use --headless."
            ) from error
        except RuntimeError as error:  # no display
            raise Unavailable("Cannot open a window (no display?); use --headless, or set DISPLAY.") from error

    def write(self, frame: np.ndarray, event: dict) -> None:
        if self.tk is not None:
            self.tk.show(frame)
        else:
            cv2.imshow(self.TITLE, frame)
        self._keys(frame, wait=1)
        while self.paused:
            self._keys(frame, wait=50)

    def _key(self, wait: int) -> str | None:
        if self.tk is not None:
            return self.tk.key(wait)
        code = cv2.waitKey(wait) & 0xFF
        return "Escape" if code == 27 else (chr(code) if code != 0xFF else None)

    def _keys(self, frame: np.ndarray, wait: int) -> None:
        key = self._key(wait)
        if key in self.QUIT:
            raise StopRequested
        if key == self.SNAPSHOT:
            path = self.snapshot_dir / time.strftime("edgecam-%Y%m%d-%H%M%S.png")
            cv2.imwrite(str(path), frame)
        if key == self.PAUSE:
            self.paused = not self.paused

    def close(self) -> None:
        if self.tk is not None:
            self.tk.close()
            return
        try:
            cv2.destroyWindow(self.TITLE)
            cv2.waitKey(1)
        except cv2.error:
            pass
