"""Where frames come from: cameras, streams, video files, image folders, the Pi camera.

``open_source(spec)`` reads one string the way a user types it. File sources
give every frame in order, none dropped; live sources are read on a thread
that keeps only the newest frame, so a slow loop never falls behind the camera.
"""

from __future__ import annotations

import glob
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edgecam.edge.errors import DataError, MissingInput, Unavailable

VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".mjpg", ".mjpeg", ".mpg", ".mpeg", ".wmv"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}


# A file ends at its real end, or after this many frames in a row that would not decode: a
# damaged frame in the middle is skipped (and counted), not taken for the end of the file.
UNDECODABLE_IN_A_ROW = 25


class VideoFileSource:
    """A video file, frame by frame; ``loop`` starts again at the end."""

    live = False
    undecodable = 0  # frames skipped because they would not decode

    def __init__(self, path: Path, loop: bool = False):
        self.path, self.loop = Path(path), loop
        self.capture = cv2.VideoCapture(str(path))
        if not self.capture.isOpened():
            raise DataError(f"{path} is not a video OpenCV can read.")
        self.fps = self.capture.get(cv2.CAP_PROP_FPS) or 30.0
        self.frame_count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None

    def read(self) -> np.ndarray | None:
        frame = self._next_decodable()
        if frame is None and self.loop:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            frame = self._next_decodable()
        return frame

    def _next_decodable(self) -> np.ndarray | None:
        """The next frame that decodes; None at the end. OpenCV's read fails alike on a damaged
        frame and at the end, so failures count as damaged frames only once a frame follows."""
        for failures in range(UNDECODABLE_IN_A_ROW):
            ok, frame = self.capture.read()
            if ok:
                self.undecodable += failures
                return frame
        return None

    def close(self) -> None:
        self.capture.release()


class ImageSequenceSource:
    """Still images from a folder or a glob, in name order; one that will not decode is skipped."""

    live = False
    fps = 1.0
    undecodable = 0

    def __init__(self, paths: list[Path], loop: bool = False):
        if not paths:
            raise MissingInput("No images found for that source.")
        self.paths, self.loop, self.index = paths, loop, 0
        self.frame_count = len(paths)
        self.current: Path | None = None

    def read(self) -> np.ndarray | None:
        for _ in range(len(self.paths) + 1):
            if self.index >= len(self.paths):
                if not self.loop:
                    return None
                self.index = 0
            self.current = self.paths[self.index]
            self.index += 1
            frame = cv2.imread(str(self.current), cv2.IMREAD_COLOR)
            if frame is not None:
                return frame
            self.undecodable += 1  # gone, damaged or not an image: the next one
        return None  # looping over images none of which decode

    def close(self) -> None:
        pass


class LiveSource:
    """A camera or network stream read on its own thread; ``read`` returns the newest frame.

    Frames older than the last one handed out are dropped on purpose: for a
    live view the newest frame is the only one worth processing. ``read``
    returns None when no frame came for ``timeout`` seconds (the camera is
    lost); ``reopen`` then tries to get it back.
    """

    live = True
    frame_count = None
    undecodable = 0  # a live source's failed reads are a lost camera, not damaged frames

    def __init__(self, open_capture, description: str, timeout: float = 3.0, first_frame_timeout: float = 10.0):
        self.description, self.timeout = description, timeout
        self._open = open_capture
        self._condition = threading.Condition()
        self._frame, self._sequence, self._handed = None, 0, 0
        self._arrived = 0.0  # time.perf_counter() when the newest frame came from the camera
        self.captured_at = 0.0  # ...and when the frame last handed out did: its latency starts there
        self.skipped = 0  # frames the camera gave that were replaced by a newer one before the loop took them
        self._arrived_position: int | None = None
        self.position: int | None = None  # a paced file's frame number of the frame last handed out
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.capture: Any  # what open_capture returns (a cv2.VideoCapture or a stand-in); set by _start
        if not self._start(first_frame_timeout):
            raise Unavailable(
                f"Cannot open {description}: no such camera or stream, it is busy, "
                f"or it sent no frame within {first_frame_timeout:.0f} s."
            )
        self.fps = float(self.capture.get(cv2.CAP_PROP_FPS)) or 30.0
        if not 1 <= self.fps <= 240:
            self.fps = 30.0

    def _start(self, first_frame_timeout: float) -> bool:
        try:
            self.capture = self._open()
        except (cv2.error, Unavailable):  # tried again with back-off, like a camera that is not there yet
            self.capture = None
        if self.capture is None or not self.capture.isOpened():
            return False
        # Each reader thread has its own stop signal: one blocked on a stalled camera may outlive
        # the reconnect that replaced it, and must not take the new one's "keep going" for its own.
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._pump, args=(self.capture, self._stop), name="edgecam-capture", daemon=True
        )
        self._thread.start()
        with self._condition:
            return self._condition.wait_for(lambda: self._sequence > self._handed, first_frame_timeout)

    def _pump(self, capture, stop: threading.Event) -> None:
        while not stop.is_set():
            ok, frame = capture.read()
            if not ok:
                time.sleep(0.05)
                continue
            with self._condition:
                if self._sequence > self._handed:
                    self.skipped += 1  # the loop never took the frame this one replaces
                self._frame, self._sequence, self._arrived = frame, self._sequence + 1, time.perf_counter()
                self._arrived_position = getattr(capture, "position", None)
                self._condition.notify_all()

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        """The newest frame not yet handed out; None if none arrives within the timeout."""
        with self._condition:
            fresh = self._condition.wait_for(lambda: self._sequence > self._handed, timeout or self.timeout)
            if not fresh:
                return None
            self._handed, self.captured_at, self.position = self._sequence, self._arrived, self._arrived_position
            return self._frame

    def reopen(self) -> bool:
        self._stop_thread()
        return self._start(first_frame_timeout=self.timeout)

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=2)
        if self.capture is not None:
            self.capture.release()

    def close(self) -> None:
        self._stop_thread()


def read_image(path: Path) -> np.ndarray:
    """A colour image from disk, or one sentence saying why not."""
    if not Path(path).is_file():
        raise MissingInput(f"No image at {path}.")
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise DataError(f"{path} is not an image OpenCV can read.")
    return frame


def _image_paths(pattern: str) -> list[Path]:
    return sorted(Path(p) for p in glob.glob(pattern) if Path(p).suffix.lower() in IMAGE_SUFFIXES)


def open_source(
    spec: str, loop: bool = False, size: tuple[int, int] = (640, 480), fps: float = 30.0, pace: float = 0.0
):
    """Open what the user named: 0, /dev/video0, rtsp://..., http://..., a video, a folder, a glob,
    rpicam or picamera2 (the Pi camera, at ``size`` and ``fps``). ``pace``: play a video file in
    real time at this many frames a second, as a camera would (edge.sources.paced)."""
    spec = str(spec).strip()
    if spec.isascii() and spec.isdigit():  # "²" is a digit to Python, and no camera index
        return LiveSource(
            lambda: cv2.VideoCapture(int(spec), cv2.CAP_V4L2 if _linux() else cv2.CAP_ANY), f"camera {spec}"
        )
    if spec.startswith("/dev/video"):
        if not Path(spec).exists():
            raise Unavailable(f"There is no camera at {spec}.")
        return LiveSource(lambda: cv2.VideoCapture(spec, cv2.CAP_V4L2), f"camera {spec}")
    if spec.split("://", 1)[0].lower() in ("rtsp", "http", "https", "rtmp", "udp", "tcp"):
        # Bounded open and read waits: FFmpeg's defaults let a dead server hang the loop for a minute.
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 5000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 3000]
        return LiveSource(lambda: cv2.VideoCapture(spec, cv2.CAP_FFMPEG, params), f"stream {spec}")
    if spec == "rpicam":
        from edgecam.edge.sources.rpicam import open_rpicam

        return open_rpicam(*size, fps)
    if spec == "picamera2":
        from edgecam.edge.sources.picamera import open_picamera

        return open_picamera(size, fps)
    path = Path(spec)
    try:
        if path.is_dir():
            return ImageSequenceSource(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), loop)
        if any(ch in spec for ch in "*?["):
            return ImageSequenceSource(_image_paths(spec), loop)
        if path.is_file():
            if path.suffix.lower() in IMAGE_SUFFIXES:
                return ImageSequenceSource([path], loop)
            if pace > 0:
                from edgecam.edge.sources.paced import PacedFile

                return LiveSource(lambda: PacedFile(path, pace), f"{path} at {pace:g} FPS")
            return VideoFileSource(path, loop)
    except OSError as error:  # a name too long for the file system, a folder we may not list, ...
        raise MissingInput(f"The source {spec[:200]!r} cannot be opened ({error.strerror or error}).") from None
    raise MissingInput(f"No camera, stream, file or folder called {spec[:200]!r}.")


def _linux() -> bool:
    import sys

    return sys.platform.startswith("linux")
