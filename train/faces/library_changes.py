"""The face model follows its library: a person added, renamed or removed while the loop runs.

Adding is ``enroll.update_model`` (LBPH's incremental update, the "unknown" limit recalibrated);
a rename changes only the names; removing a person retrains from the library,
with the model's own settings, since LBPH cannot forget. Each writes the model atomically, file
by file, or not at all.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from edgecam.edge.faces.crop import CropSettings
from edgecam.edge.faces.detect import DetectorSettings
from edgecam.edge.faces.model_file import MODEL_FILE, FaceModelMeta, load_lbph, read_metadata, save
from edgecam.train.faces.job import train_faces
from edgecam.train.faces.training import REJECT_TARGET, LbphParams


def rename(model_dir: Path, old: str, new: str) -> FaceModelMeta:
    meta = read_metadata(model_dir)
    meta.names = {label: new if name == old else name for label, name in meta.names.items()}
    if old in meta.people:
        meta.people = {new if name == old else name: count for name, count in meta.people.items()}
    save(Path(model_dir), load_lbph(Path(model_dir) / MODEL_FILE), meta)
    return meta


def retrain(model_dir: Path, library: Path, on_image: Callable[[int, int], None] | None = None) -> FaceModelMeta:
    """The model trained afresh from ``library`` with the settings it was trained with."""
    meta = read_metadata(model_dir)
    threshold = meta.threshold.distance if meta.threshold.calibrated_distance is not None else None
    return train_faces(
        Path(library),
        Path(model_dir),
        DetectorSettings(**meta.detector),
        CropSettings(**meta.crop),
        LbphParams(**meta.lbph) if meta.lbph else LbphParams(),
        meta.max_per_person or 40,
        threshold,
        Console(file=io.StringIO()),  # the caller reports progress its own way
        meta.threshold.reject_target or REJECT_TARGET,
        on_image,
    )
