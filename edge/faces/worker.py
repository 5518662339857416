"""Faces on a thread of their own, so that naming someone never holds up the picture.

With two threads or more (``[runtime] threads``) the loop hands each frame's grey copy to
this worker and goes on drawing. The worker runs the tracker (detection, recognition, votes)
on the newest frame it is given; a frame it had no time for is replaced by the next one and
counted as skipped. OpenCV and ONNX Runtime let go of the GIL while they work, so the two
threads really run side by side.

The loop draws every frame with the newest faces the worker published. Those belong to the
frame they were found on, some frames back; before they are drawn on a later frame they are
reconciled with it: a face whose box changed almost entirely since (the change watch's
thumbnails of the two frames) has left or moved away, and is not drawn where it no longer is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from edgecam.edge.faces.change_watch import ChangeWatch, thumbnail
from edgecam.edge.faces.recognizer import Face
from edgecam.edge.faces.tracker import FaceTracker
from edgecam.edge.timing import StageTimes


@dataclass
class Published:
    frame: int  # the loop's index of the frame these faces were found on
    thumb: np.ndarray  # that frame's change-watch thumbnail
    faces: list[Face]


class FaceWorker:
    def __init__(self, tracker: FaceTracker):
        self.tracker = tracker
        self.times = StageTimes()  # face_detect and recognize, timed on this thread
        self.skipped = 0  # frames replaced by a newer one before the worker took them
        self.error: BaseException | None = None
        self._lock = threading.Lock()  # held while the tracker runs; ``between`` waits for it
        self._wake = threading.Condition()
        self._slot: tuple[np.ndarray, int, np.ndarray] | None = None
        self._published: Published | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._work, name="edgecam-faces", daemon=True)
        self._thread.start()

    def offer(self, grey: np.ndarray, index: int, wait: bool = False) -> np.ndarray:
        """Give the worker frame ``index`` (its grey copy, which the caller must not change); with
        ``wait``, first wait until the worker took the last one (a file: no frame is skipped).
        The frame's thumbnail, for ``faces``."""
        thumb = thumbnail(grey)
        with self._wake:
            while wait and self._slot is not None and not self._closing and self.error is None:
                self._wake.wait()
            if self._slot is not None:
                self.skipped += 1
            self._slot = (grey, index, thumb)
            self._wake.notify_all()
        if self.error is not None:
            raise self.error
        return thumb

    def faces(self, thumb: np.ndarray, shape: tuple[int, ...]) -> list[Face]:
        """The newest faces found, as they stand on the frame of ``thumb``: a face whose box has
        changed almost entirely since the frame it was found on is left out."""
        published = self._published
        if published is None:
            return []
        since = ChangeWatch()
        since.see(published.thumb, shape)
        since.see(thumb, shape)
        return [replace(face) for face in published.faces if not since.replaced_at(face.box)]

    def between(self, change: Callable[[], object]) -> object:
        """Run ``change()`` while the tracker is not running (a new model from the live page)."""
        with self._lock:
            return change()

    def close(self) -> None:
        with self._wake:
            self._closing = True
            self._wake.notify_all()
        self._thread.join(timeout=10)

    def _work(self) -> None:
        while True:
            with self._wake:
                while self._slot is None and not self._closing:
                    self._wake.wait()
                if self._closing:
                    return
                assert self._slot is not None
                grey, index, thumb = self._slot
                self._slot = None
                self._wake.notify_all()  # a waiting ``offer`` may hand the next frame now
            try:
                with self._lock:
                    faces = self.tracker(grey, self.times)
                    self.times.end_frame()
            except BaseException as error:  # told to the loop at its next offer
                self.error = error
                with self._wake:
                    self._wake.notify_all()
                return
            self._published = Published(index, thumb, faces)
