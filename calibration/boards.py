"""Calibration boards: where their points are in the world, and where a camera saw them.

Chessboards get sub-pixel corner refinement; circle grids are located by their
blob centres; ChArUco boards by cv2.aruco, which also copes with a board only
partly in view.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.errors import ConfigError

PATTERNS = ("chessboard", "circles", "acircles", "charuco")


@dataclass
class Board:
    pattern: str
    cols: int  # inner corners (chessboard), circles per row, or squares across (ChArUco)
    rows: int
    square: float  # mm: square side, or circle spacing
    marker: float = 0.0  # ChArUco marker side, mm
    dictionary: str = "DICT_4X4_50"

    def __post_init__(self):
        if self.pattern not in PATTERNS:
            raise ConfigError(f"--pattern {self.pattern!r} is not one of {', '.join(PATTERNS)}.")
        if self.pattern == "charuco":
            if not 0 < self.marker < self.square:
                raise ConfigError("A ChArUco board needs --marker smaller than --square (both in mm).")
            name = self.dictionary.upper()
            if not hasattr(cv2.aruco, name):
                raise ConfigError(f"--dictionary {self.dictionary!r} is not an ArUco dictionary (e.g. DICT_4X4_50).")
            self._charuco = cv2.aruco.CharucoBoard(
                (self.cols, self.rows),
                self.square,
                self.marker,
                cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, name)),
            )
            self._detector = cv2.aruco.CharucoDetector(self._charuco)

    def object_points(self) -> np.ndarray:
        """All the board's points in millimetres, z = 0, in the order detection reports them."""
        if self.pattern == "charuco":
            return np.asarray(self._charuco.getChessboardCorners(), dtype=np.float32)
        points = []
        for i in range(self.rows):
            for j in range(self.cols):
                x = (2 * j + i % 2) * self.square if self.pattern == "acircles" else j * self.square
                points.append((x, i * self.square, 0.0))
        return np.array(points, np.float32)

    def detect(self, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(image points N x 2, object points N x 3) of the board in ``grey``, or None."""
        size = (self.cols, self.rows)
        if self.pattern == "chessboard":
            flags = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE | cv2.CALIB_CB_FAST_CHECK
            found, corners = cv2.findChessboardCorners(grey, size, flags=flags)
            if not found:
                return None
            criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 40, 0.001)
            corners = cv2.cornerSubPix(grey, corners, (11, 11), (-1, -1), criteria)
            return corners.reshape(-1, 2), self.object_points()
        if self.pattern in ("circles", "acircles"):
            flags = cv2.CALIB_CB_ASYMMETRIC_GRID if self.pattern == "acircles" else cv2.CALIB_CB_SYMMETRIC_GRID
            found, centres = cv2.findCirclesGrid(grey, size, flags=flags)
            return (centres.reshape(-1, 2), self.object_points()) if found else None
        corners, ids, _, _ = self._detector.detectBoard(grey)
        if ids is None or len(ids) < 6:  # too few corners to constrain a view
            return None
        return corners.reshape(-1, 2), self.object_points()[ids.ravel()]


def parse_size(text: str) -> tuple[int, int]:
    try:
        cols, rows = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {text!r} must be COLSxROWS, e.g. 9x6.") from None
    if cols < 2 or rows < 2:
        raise ConfigError(f"--size {text!r} must be at least 2x2.")
    return cols, rows
