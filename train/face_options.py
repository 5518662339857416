"""The face pipeline's default settings, shared by training, evaluation and enrolment."""

from __future__ import annotations

from pathlib import Path

from edge.face_crop import CropSettings
from edge.face_detect import DetectorSettings


def detector_settings(yunet: Path | None = None) -> DetectorSettings:
    if yunet is None:
        return DetectorSettings()
    return DetectorSettings(detector="yunet", yunet_model=str(yunet))


def crop_settings() -> CropSettings:
    return CropSettings()
