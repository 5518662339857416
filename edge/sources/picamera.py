"""The Raspberry Pi camera through picamera2 (libcamera), which OpenCV cannot open itself.

picamera2 is imported only when this source is asked for: it exists only on
Raspberry Pi OS (``sudo apt install python3-picamera2``).
"""

from __future__ import annotations

import contextlib

import cv2
import numpy as np

from edgecam.edge.errors import Unavailable


def numpy_mismatch_sentence(error: BaseException) -> str:
    """Why picamera2 would not load, in one sentence. Raspberry Pi OS builds picamera2's compiled
    parts (simplejpeg, ...) against its own NumPy 1.x; a venv that installed NumPy 2 makes them fail
    with "numpy.dtype size changed" or "compiled using NumPy 1.x" (picamera2 issues #1088, #1211)."""
    import numpy

    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    if numpy.__version__.split(".")[0] != "1":
        return (
            f"picamera2 could not load ({detail}): Raspberry Pi OS builds it against NumPy 1.x, and this "
            f"environment has NumPy {numpy.__version__}; use --source rpicam instead (no picamera2 needed), "
            "or install edgecam with 'numpy<2' as docs/raspberry-pi.md shows."
        )
    return f"picamera2 could not load ({detail}); use --source rpicam instead (no picamera2 needed)."


def picamera2_class():
    """picamera2's camera class, or one sentence saying why it cannot be had here."""
    try:
        from picamera2 import Picamera2
    except ModuleNotFoundError as error:
        raise Unavailable(
            "picamera2 is not installed: use --source rpicam (it needs only rpicam-vid, which "
            "Raspberry Pi OS ships), or see docs/raspberry-pi.md for picamera2."
        ) from error
    except (ImportError, ValueError, AttributeError) as error:
        raise Unavailable(numpy_mismatch_sentence(error)) from error
    return Picamera2


class PicameraCapture:
    """``read() -> (ok, frame)`` like ``cv2.VideoCapture``, from a started picamera2 camera, so that
    ``LiveSource`` gives it the same reader thread, time-out and reopen as every other camera."""

    def __init__(self, camera_class, size: tuple[int, int] = (640, 480), fps: float = 30.0):
        self.fps = fps
        try:
            self.camera = camera_class()
            # "RGB888" in libcamera's naming is B, G, R in memory: exactly what OpenCV expects.
            configuration = self.camera.create_video_configuration(
                main={"size": tuple(size), "format": "RGB888"}, controls={"FrameRate": float(fps)}
            )
            self.camera.configure(configuration)
            self.camera.start()
        except Exception as error:  # libcamera reports a missing or busy camera in several ways
            raise Unavailable(f"The Pi camera could not be started ({error}).") from error

    def isOpened(self) -> bool:
        return True  # started in __init__, or it raised

    def get(self, prop: int) -> float:
        return float(self.fps) if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self) -> tuple[bool, np.ndarray | None]:
        try:
            return True, self.camera.capture_array("main")
        except Exception:  # the camera went away: LiveSource sees no frames, says so and reopens it
            return False, None

    def release(self) -> None:
        with contextlib.suppress(Exception):  # releasing a camera that already failed
            self.camera.stop()
        with contextlib.suppress(Exception):
            self.camera.close()


def open_picamera(size: tuple[int, int] = (640, 480), fps: float = 30.0):
    from edgecam.edge.sources.capture import LiveSource

    camera_class = picamera2_class()  # a missing or mismatched picamera2 is its own sentence, not "no camera"
    return LiveSource(lambda: PicameraCapture(camera_class, size, fps), "the Pi camera (picamera2)")
