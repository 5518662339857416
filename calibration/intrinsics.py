"""Camera intrinsics from board views: calibrate, drop views that do not fit, write FileStorage YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge import atomic
from edgecam.edge.errors import DataError


@dataclass
class View:
    name: str
    image_points: np.ndarray  # N x 2
    object_points: np.ndarray  # N x 3


@dataclass
class Calibration:
    camera_matrix: np.ndarray
    dist_coeffs: np.ndarray
    image_size: tuple[int, int]  # width, height
    rms: float
    per_view_errors: dict[str, float]
    views_used: list[str]
    views_rejected: list[dict] = field(default_factory=list)  # {"view", "error"}
    flags: int = 0

    def to_dict(self) -> dict:
        return {
            "rms": self.rms,
            "camera_matrix": self.camera_matrix.tolist(),
            "dist_coeffs": self.dist_coeffs.ravel().tolist(),
            "image_size": list(self.image_size),
            "views_used": self.views_used,
            "views_rejected": self.views_rejected,
            "per_view_errors": self.per_view_errors,
            "flags": self.flags,
        }


def flags_from(fix_aspect_ratio: bool, fix_principal_point: bool, zero_tangent: bool) -> int:
    # k4 and k5 stay fixed at zero, as OpenCV's own calibration sample does: five-term
    # distortion from a few dozen views over-fits.
    flags = cv2.CALIB_FIX_K4 | cv2.CALIB_FIX_K5
    for on, flag in (
        (fix_aspect_ratio, cv2.CALIB_FIX_ASPECT_RATIO),
        (fix_principal_point, cv2.CALIB_FIX_PRINCIPAL_POINT),
        (zero_tangent, cv2.CALIB_ZERO_TANGENT_DIST),
    ):
        if on:
            flags |= flag
    return flags


def calibrate(views: list[View], image_size: tuple[int, int], flags: int, outlier_factor: float = 3.0) -> Calibration:
    """Calibrate; views whose error is over ``outlier_factor`` x the median are dropped and the
    rest calibrated again, so one blurred or mis-detected view cannot bend the result."""
    if len(views) < 3:
        raise DataError(
            f"Only {len(views)} view(s) with the board found; calibration needs at least 3 (10+ is better)."
        )
    first = _solve(views, image_size, flags)
    errors = first.per_view_errors
    median = float(np.median(list(errors.values())))
    rejected = [
        {"view": v.name, "error": errors[v.name]}
        for v in views
        if errors[v.name] > outlier_factor * median and len(views) > 5
    ]
    if not rejected:
        return first
    keep = [v for v in views if v.name not in {r["view"] for r in rejected}]
    result = _solve(keep, image_size, flags)
    result.views_rejected = rejected
    return result


def _solve(views: list[View], image_size: tuple[int, int], flags: int) -> Calibration:
    camera: np.ndarray = np.eye(3)
    object_points = [v.object_points.astype(np.float32) for v in views]
    image_points = [v.image_points.astype(np.float32).reshape(-1, 1, 2) for v in views]
    rms, camera, dist, rvecs, tvecs = cv2.calibrateCamera(
        object_points, image_points, image_size, camera, None, flags=flags
    )
    errors = {}
    for view, obj, img, rvec, tvec in zip(views, object_points, image_points, rvecs, tvecs, strict=False):
        projected, _ = cv2.projectPoints(obj, rvec, tvec, camera, dist)
        errors[view.name] = float(np.sqrt(np.mean(np.sum((projected - img) ** 2, axis=2))))
    return Calibration(camera, dist.ravel(), image_size, float(rms), errors, [v.name for v in views], flags=flags)


def save(calibration: Calibration, path: Path) -> None:
    with atomic.atomic_path(path) as tmp:
        storage = cv2.FileStorage(str(tmp), cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_FORMAT_YAML)
        storage.write("image_width", calibration.image_size[0])
        storage.write("image_height", calibration.image_size[1])
        storage.write("camera_matrix", calibration.camera_matrix)
        storage.write("distortion_coefficients", calibration.dist_coeffs.reshape(-1, 1))
        storage.write("avg_reprojection_error", calibration.rms)
        storage.write(
            "per_view_reprojection_errors",
            np.array([calibration.per_view_errors[v] for v in calibration.views_used]).reshape(-1, 1),
        )
        storage.write("views_used", ",".join(calibration.views_used))
        storage.write("views_rejected", ",".join(r["view"] for r in calibration.views_rejected))
        storage.write("flags", calibration.flags)
        storage.release()
