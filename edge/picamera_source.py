"""The Raspberry Pi camera through picamera2 (libcamera), which OpenCV cannot open itself.

picamera2 is imported only when this source is asked for: it exists only on
Raspberry Pi OS (``sudo apt install python3-picamera2``).
"""

from __future__ import annotations

import numpy as np

from edge.errors import Unavailable


class PicameraSource:
    live = True
    frame_count = None
    fps = 30.0

    def __init__(self, size: tuple[int, int] = (640, 480)):
        try:
            from picamera2 import Picamera2
        except ImportError as error:
            raise Unavailable("picamera2 is not installed: on Raspberry Pi OS run 'sudo apt install python3-picamera2' "
                              "and create the venv with --system-site-packages.") from error
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
