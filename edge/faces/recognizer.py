"""Name faces with the LBPH model and its companion file; strangers are "unknown".

``faces.yml`` is OpenCV's own LBPH file; ``faces.json`` travels with it and
holds what the model alone cannot say: the names, how crops were made, which
detector found them, and the distance beyond which a face is a stranger.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.errors import DataError, MissingInput
from edgecam.edge.faces.crop import CropSettings, FaceCropper
from edgecam.edge.faces.decision import nearest_per_person, relative_distance
from edgecam.edge.faces.detect import Detection, DetectorSettings, make_detector
from edgecam.edge.faces.model_fetch import installed

UNKNOWN = "unknown"
MODEL_FILE, META_FILE = "faces.yml", "faces.json"
# 2: alt2 cascade without equalisation, LBPH radius 2, shrunk crops, camera-calibrated threshold.
# A /1 model's gallery was framed by another detector: mixing the two would misname people.
FORMAT = "edgecam-faces/2"


@dataclass
class Face:
    name: str
    confidence: float  # 0.5-1: how sure we are of the name (or of "unknown")
    distance: float  # LBPH chi-square distance to the nearest enrolled face
    box: tuple[int, int, int, int]
    track: int = 0  # the tracker's id for this person across frames; 0 for a single image

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "confidence": round(self.confidence, 3),
            "distance": round(self.distance, 2),
            "box": [int(v) for v in self.box],
        }


def read_metadata(model_dir: Path) -> dict:
    model_dir = Path(model_dir)
    meta_path, model_path = model_dir / META_FILE, model_dir / MODEL_FILE
    if not model_path.is_file():
        raise MissingInput(
            f"No face model at {model_path}; train one with 'edgecam train faces DATASET --out {model_dir}'."
        )
    if not meta_path.is_file():
        raise MissingInput(
            f"{model_path} has no {META_FILE} beside it, so its names are unknown; retrain with 'edgecam train faces'."
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{meta_path} is not valid JSON ({error}).") from error
    if meta.get("format") == "edgecam-faces/1":
        raise DataError(
            f"{model_dir} was trained by an older edgecam that framed faces differently; retrain it "
            f"with 'edgecam train faces DATASET --out {model_dir}'."
        )
    if meta.get("format") != FORMAT:
        raise DataError(f"{meta_path} is not an edgecam faces file (format {meta.get('format')!r}).")
    return meta


def load_lbph(model_path: Path):
    recognizer = cv2.face.LBPHFaceRecognizer_create()  # type: ignore[attr-defined]  # cv2.face (contrib) is absent from OpenCV's stubs
    try:
        recognizer.read(str(model_path))
    except cv2.error as error:
        raise DataError(f"{model_path} is not an LBPH model OpenCV can read.") from error
    if recognizer.empty():
        raise DataError(f"{model_path} holds an empty LBPH model.")
    return recognizer


class FaceRecognizer:
    """``recognizer(grey_or_bgr_frame)`` -> the faces in it, each named or "unknown"."""

    def __init__(
        self, model_dir: str | Path, threshold: float | None = None, yunet_model: str | None = None, still: bool = False
    ):
        """``still``: recognise each face through the still's probes (FaceCropper.probes), for
        photographs; the loop keeps the faster four. A model trained before stills had their own
        calibration recognises them as the loop does."""
        self.model_dir = Path(model_dir)
        self.meta = read_metadata(self.model_dir)
        self.lbph = load_lbph(self.model_dir / MODEL_FILE)
        self.names = {int(label): name for label, name in self.meta["names"].items()}
        calibrated = self.meta["threshold"]
        # The calibrated rule compares the nearest person with the runners-up (faces.decision);
        # a distance the user chose, or a model from before that rule, uses the raw distance.
        chosen_by_user = threshold is not None or calibrated.get("calibrated_distance") is not None
        relative = None if chosen_by_user else calibrated.get("relative")
        self.still = bool(still and relative and relative.get("still"))
        if self.still and relative:
            relative = relative["still"]
        self.relative = relative
        self.threshold = float(threshold if threshold is not None else calibrated["distance"])
        if self.relative:
            self.limit, self.spread = float(self.relative["value"]), float(self.relative["spread"]) or 0.01
            # A face farther from everyone than half the calibration strangers were is no one we
            # know, however its runners-up happen to fall (on the tuning scenes this cap cost 0.2-0.3 %
            # of known faces).
            self.cap = float(self.relative.get("distance_cap", math.inf))
        else:
            self.limit, self.cap = self.threshold, math.inf
            self.spread = float(calibrated.get("spread", self.threshold * 0.1)) or 1.0
        detector = DetectorSettings(**self.meta["detector"])
        if yunet_model:
            detector.detector, detector.yunet_model = "yunet", yunet_model
        elif detector.detector == "yunet" and not Path(detector.yunet_model or "").is_file() and installed():
            detector.yunet_model = str(installed())  # trained elsewhere: the copy fetched on this machine
        self.detect = make_detector(detector)
        self.crop = FaceCropper(CropSettings(**self.meta["crop"]))
        self.probe_variants = bool(self.relative)  # calibrated that way (edgecam.train.faces.calibration)

    def identify(self, *crops: np.ndarray) -> tuple[str, float, float]:
        """Name, confidence and distance for one face, given one or more prepared crops of it."""
        labels, distances = nearest_per_person(self.lbph, *crops)
        label, distance = int(labels[0]), float(distances[0])
        score = relative_distance(distances) if self.relative else distance
        known = score <= self.limit and distance <= self.cap
        # Confidence grows with the score's distance from the limit, scaled by how far apart
        # genuine and stranger scores lay when the model was calibrated.
        confidence = 1 / (1 + math.exp(-abs(self.limit - score) / self.spread))
        return (self.names.get(label, UNKNOWN) if known else UNKNOWN), confidence, distance

    def recognize(self, grey: np.ndarray, detections: list[Detection]) -> list[Face]:
        faces = []
        for detection in detections:
            # A detector's box lands a little differently on every frame; the nearest of a few shifted
            # and mirrored crops matches its own person best (FaceCropper.probes).
            crops = (
                self.crop.probes(grey, detection, self.still) if self.probe_variants else [self.crop(grey, detection)]
            )
            name, confidence, distance = self.identify(*crops)
            faces.append(Face(name, confidence, distance, detection.box))
        return faces

    def __call__(self, frame: np.ndarray) -> list[Face]:
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        return self.recognize(grey, self.detect(grey))
