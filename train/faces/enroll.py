"""Fold a new person's face images into a trained model (the capture itself is edge.faces.enrolment)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.errors import DataError
from edgecam.edge.faces.crop import CropSettings, FaceCropper
from edgecam.edge.faces.detect import DetectorSettings, make_detector
from edgecam.edge.faces.model_file import (
    MODEL_FILE,
    FaceModelMeta,
    PersonCount,
    load_lbph,
    read_metadata,
    save,
)
from edgecam.train.faces.dataset import find_face
from edgecam.train.faces.training import recalibrate


def update_model(model_dir: Path, name: str, images: list[Path]) -> FaceModelMeta:
    """Add ``images`` of ``name`` to an existing model with LBPH's incremental update, then recalibrate."""
    meta = read_metadata(model_dir)
    lbph = load_lbph(Path(model_dir) / MODEL_FILE)
    label = next((k for k, v in meta.names.items() if v == name), max(meta.names, default=-1) + 1)
    detect = make_detector(DetectorSettings(**meta.detector))
    crop = FaceCropper(CropSettings(**meta.crop))
    crops = []
    for path in images:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            continue
        detection, grey, _ = find_face(grey, detect)
        if detection is not None:
            crops += crop.variants(grey, detection)
    if not crops:
        raise DataError(f"No face could be found again in the {len(images)} image(s) captured for {name}.")
    lbph.update(crops, np.full(len(crops), label, dtype=np.int32))
    meta.names = dict(sorted({**meta.names, label: name}.items()))
    meta.threshold = recalibrate(lbph, meta.threshold)
    person = meta.people.setdefault(name, PersonCount())
    person.images += len(images)
    person.kept += len(crops)
    save(Path(model_dir), lbph, meta)
    return meta
