"""The face pipeline's default settings, shared by training, evaluation and enrolment."""

from __future__ import annotations

from pathlib import Path

from edgecam.edge.faces.crop import CropSettings
from edgecam.edge.faces.detect import DetectorSettings
from edgecam.edge.faces.model_fetch import installed


def detector_settings(yunet: Path | None = None, haar: bool = False) -> DetectorSettings:
    """YuNet when given, or when `edgecam models fetch yunet` has stored it (unless ``haar``); else Haar.

    On the held-out face scenes YuNet named more known people than Haar (README, Faces), so a
    fetched copy is the better default; Haar ships with OpenCV and needs nothing."""
    chosen = yunet or (None if haar else installed())
    if chosen is None:
        return DetectorSettings()
    return DetectorSettings(detector="yunet", yunet_model=str(chosen))


def crop_settings() -> CropSettings:
    return CropSettings()
