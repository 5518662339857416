"""Faces on a thread of their own, so that naming someone never holds up the picture.

With two threads or more (``[runtime] threads``) the loop hands each frame's grey copy to
this worker and goes on drawing. The worker runs the tracker (detection, recognition, votes)
on the newest frame it is given; a frame it had no time for is replaced by the next one and
counted as skipped. OpenCV and ONNX Runtime let go of the GIL while they work, so the two
threads really run side by side.

The loop draws every frame with the newest faces the worker published. Those belong to the
frame they were found on, some frames back; before they are drawn on a later frame they are
reconciled with it. Phase correlation finds where each face's patch moved to (when its peak
reaches MATCH; else the face stays where it was). Whether it is still the same face is asked of
the pictures themselves: the patch then and the patch now, where it moved to, must correlate
(zero-mean, normalised) at SAME or more. Else whoever it was has left, or someone else stands
there, and the face is not drawn.

Phase correlation's peak alone cannot tell: it whitens both spectra, so a face and the next
walker, or a face and the wall behind it, peaked at 0.6-0.9 on the test clip of people walking
past (tests/test_face_worker.py) and a departed walker's name was drawn for up to five frames
when the worker fell behind. There, the patches' own correlation was 0.12 or less for another
person or the wall, and 0.49 or more for the same face 1-11 frames later.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from edgecam.edge.faces.detect import Box, window
from edgecam.edge.faces.recognizer import Face
from edgecam.edge.faces.tracker import FaceTracker
from edgecam.edge.timing import StageTimes

PATCH = 32  # a face's patch, in pixels a side, for following it between frames
MATCH = 0.6  # phase correlation's peak below which the shift it found is not trusted
SAME = 0.3  # the patches' correlation below which they show different things
_HANNING = cv2.createHanningWindow((PATCH, PATCH), cv2.CV_32F)


@dataclass
class Published:
    frame: int  # the loop's index of the frame these faces were found on
    faces: list[Face]
    patches: list[np.ndarray]  # each face's patch on that frame


def patch(grey: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    return cv2.resize(window(grey, x, y, x + w, y + h), (PATCH, PATCH), interpolation=cv2.INTER_AREA).astype(np.float32)


def follow(then: np.ndarray, grey: np.ndarray, box: Box) -> Box | None:
    """Where the face whose patch was ``then`` in ``box`` is on ``grey``; None if it is gone."""
    (dx, dy), peak = cv2.phaseCorrelate(then, patch(grey, box), _HANNING)
    x, y, w, h = box
    moved = (round(x + dx * w / PATCH), round(y + dy * h / PATCH), w, h) if peak >= MATCH else box
    return moved if correlation(then, patch(grey, moved)) >= SAME else None


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-mean normalised correlation of two same-sized patches: 1 the same up to light and
    contrast, about 0 unrelated; a flat patch correlates with nothing (OpenCV's TM_CCOEFF_NORMED
    calls a flat template a perfect match, and a face gone to a bare wall is one)."""
    a, b = a - a.mean(), b - b.mean()
    scale = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / scale if scale > 1e-6 else 0.0


class FaceWorker:
    def __init__(self, tracker: FaceTracker):
        self.tracker = tracker
        self.times = StageTimes()  # face_detect and recognize, timed on this thread
        self.finished: deque[dict[str, float]] = deque(maxlen=256)  # each frame's stage ms, for /metrics
        self.skipped = 0  # frames replaced by a newer one before the worker took them
        self.error: BaseException | None = None
        self._lock = threading.Lock()  # held while the tracker runs; ``between`` waits for it
        self._wake = threading.Condition()
        self._slot: tuple[np.ndarray, int] | None = None
        self._published: Published | None = None
        self._index = -1  # the frame last offered
        self._closing = False
        self._thread = threading.Thread(target=self._work, name="edgecam-faces", daemon=True)
        self._thread.start()

    def offer(self, grey: np.ndarray, index: int, wait: bool = False) -> None:
        """Give the worker frame ``index`` (its grey copy, which the caller must not change); with
        ``wait``, first wait until the worker took the last one (a file: no frame is skipped)."""
        with self._wake:
            while wait and self._slot is not None and not self._closing and self.error is None:
                self._wake.wait()
            if self._slot is not None:
                self.skipped += 1
            self._slot = (grey, index)
            self._index = index
            self._wake.notify_all()
        if self.error is not None:
            raise self.error

    def faces(self, grey: np.ndarray) -> list[Face]:
        """The newest faces found, as they stand on ``grey``: each where its patch moved to, and
        none whose patch is gone."""
        published = self._published
        if published is None:
            return []
        if published.frame == self._index:
            return published.faces
        now = []
        for face, then in zip(published.faces, published.patches, strict=True):
            box = follow(then, grey, face.box)
            if box is not None:
                now.append(replace(face, box=box))
        return now

    def drain(self) -> list[dict[str, float]]:
        """The stage times of the frames the worker finished since the last call."""
        done = []
        while self.finished:
            done.append(self.finished.popleft())
        return done

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
                grey, index = self._slot
                self._slot = None
                self._wake.notify_all()  # a waiting ``offer`` may hand the next frame now
            try:
                with self._lock:
                    faces = self.tracker(grey, self.times)
                    self.finished.append(self.times.end_frame())
            except BaseException as error:  # told to the loop at its next offer
                self.error = error
                with self._wake:
                    self._wake.notify_all()
                return
            self._published = Published(index, faces, [patch(grey, face.box) for face in faces])
