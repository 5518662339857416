"""Undo lens distortion in the loop: maps computed once, one remap per frame."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.errors import DataError, MissingInput


def load_intrinsics(path: str | Path) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Camera matrix, distortion and image size from a file written by 'edgecam calibrate camera'
    (or by OpenCV's own calibration sample)."""
    path = Path(path)
    if not path.is_file():
        raise MissingInput(f"No calibration file at {path}; make one with 'edgecam calibrate camera'.")
    try:
        storage = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)
        camera = storage.getNode("camera_matrix").mat()
        dist = storage.getNode("distortion_coefficients").mat()
        size = (int(storage.getNode("image_width").real()), int(storage.getNode("image_height").real()))
        storage.release()
    # OpenCV's parser raises cv2.error, or a SystemError from its binding, for a file not its own.
    except (cv2.error, SystemError) as error:
        raise DataError(f"{path} is not a camera calibration (an OpenCV FileStorage file).") from error
    if camera is None or camera.shape != (3, 3) or dist is None:
        raise DataError(f"{path} holds no camera_matrix (3x3) and distortion_coefficients.")
    return camera, dist.ravel(), size


class Undistorter:
    def __init__(self, path: str | Path):
        self.camera, self.dist, self.size = load_intrinsics(path)
        self.maps: tuple[np.ndarray, np.ndarray] | None = None
        self.frame_size: tuple[int, int] | None = None

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        size = (frame.shape[1], frame.shape[0])
        if self.maps is None or size != self.frame_size:
            camera = self.camera.copy()
            if size != self.size and self.size[0] > 0:  # same camera at another resolution: scale the intrinsics
                camera[0] *= size[0] / self.size[0]
                camera[1] *= size[1] / self.size[1]
            map1, map2 = cv2.initUndistortRectifyMap(camera, self.dist, None, camera, size, cv2.CV_16SC2)
            self.maps, self.frame_size = (np.asarray(map1), np.asarray(map2)), size
        return np.asarray(cv2.remap(frame, self.maps[0], self.maps[1], interpolation=cv2.INTER_LINEAR))
