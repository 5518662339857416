"""The face pipeline's default settings, shared by training, evaluation and enrolment."""

from __future__ import annotations

from pathlib import Path

from edgecam.edge.errors import MissingInput
from edgecam.edge.faces.crop import CropSettings
from edgecam.edge.faces.detect import DetectorSettings
from edgecam.edge.faces.model_fetch import installed

FETCHED = "fetched"  # --yunet fetched: the copy `edgecam models fetch yunet` stored


def detector_settings(yunet: str | None = None, haar: bool = False) -> DetectorSettings:
    """Haar unless ``yunet`` names a model (a path, or FETCHED); ``haar`` insists on Haar."""
    if yunet is None or haar:
        return DetectorSettings()
    if yunet == FETCHED:
        fetched = installed()
        if fetched is None:
            raise MissingInput("--yunet fetched: YuNet has not been fetched; run 'edgecam models fetch yunet' first.")
        return DetectorSettings(detector="yunet", yunet_model=str(fetched))
    return DetectorSettings(detector="yunet", yunet_model=str(Path(yunet)))


def crop_settings() -> CropSettings:
    return CropSettings()
