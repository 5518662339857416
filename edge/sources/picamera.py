"""The Raspberry Pi camera through picamera2 (libcamera), which OpenCV cannot open itself.

picamera2 is imported only when this source is asked for: it exists only on
Raspberry Pi OS (``sudo apt install python3-picamera2``).
"""

from __future__ import annotations

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
            "or install edgecam with 'numpy<2' as the README's Pi section shows."
        )
    return f"picamera2 could not load ({detail}); use --source rpicam instead (no picamera2 needed)."


class PicameraSource:
    live = True
    frame_count = None
    fps = 30.0

    def __init__(self, size: tuple[int, int] = (640, 480)):
        try:
            from picamera2 import Picamera2
        except ModuleNotFoundError as error:
            raise Unavailable(
                "picamera2 is not installed: use --source rpicam (it needs only rpicam-vid, which "
                "Raspberry Pi OS ships), or see the README's Pi section for picamera2."
            ) from error
        except (ImportError, ValueError, AttributeError) as error:
            raise Unavailable(numpy_mismatch_sentence(error)) from error
        try:
            self.camera = Picamera2()
            # "RGB888" in libcamera's naming is B, G, R in memory: exactly what OpenCV expects.
            self.camera.configure(self.camera.create_video_configuration(main={"size": size, "format": "RGB888"}))
            self.camera.start()
        except Exception as error:  # libcamera reports a missing or busy camera in several ways
            raise Unavailable(f"The Pi camera could not be started ({error}).") from error

    def read(self, timeout: float = 5.0) -> np.ndarray | None:
        return self.camera.capture_array("main")

    def close(self) -> None:
        self.camera.stop()
        self.camera.close()
