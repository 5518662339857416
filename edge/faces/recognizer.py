"""Name faces with the LBPH model and its companion file; strangers are "unknown".

``faces.yml`` is OpenCV's own LBPH file; ``faces.json`` travels with it and
holds what the model alone cannot say: the names, how crops were made, which
detector found them, and the distance beyond which a face is a stranger.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.faces.crop import CropSettings, FaceCropper
from edgecam.edge.faces.decision import nearest_per_person, relative_distance
from edgecam.edge.faces.detect import Detection, DetectorSettings, make_detector
from edgecam.edge.faces.model_fetch import installed
from edgecam.edge.faces.model_file import MODEL_FILE, StrangerRule, load_lbph, read_metadata
from edgecam.edge.faces.quality import Quality, measure

UNKNOWN = "unknown"
POOR = "poor quality"  # the reason a face too poor to tell people apart is "unknown"


@dataclass
class Face:
    name: str
    confidence: float  # 0.5-1: how sure we are of the name (or of "unknown")
    distance: float  # LBPH chi-square distance to the nearest enrolled face
    box: tuple[int, int, int, int]
    track: int = 0  # the tracker's id for this person across frames; 0 for a single image
    # 0-1: the chance a known face seen this well is named (StrangerRule.named_chance); None before
    # the face was looked at (a new track between its detection and its first recognition).
    quality: float | None = None
    measures: Quality | None = None  # what the quality was judged from
    reason: str | None = None  # why the face is "unknown" when it is not for being a stranger
    score: float = float("nan")  # what the rule compared with its limit
    nearest: str = UNKNOWN  # the nearest enrolled person, named or not

    def summary(self) -> dict:
        """What every report of a face carries (the loop's events too): name, how sure, where, how
        well it was seen, and why it is "unknown" when that is for its quality."""
        out = {
            "name": self.name,
            "confidence": round(self.confidence, 3),
            "box": [int(v) for v in self.box],
            "quality": None if self.quality is None else round(self.quality, 3),
        }
        if self.reason:
            out["reason"] = self.reason
        return out

    def to_dict(self) -> dict:
        """A still's face (``recognize --json``): the summary, the LBPH distance and the measures."""
        out = self.summary() | {"distance": round(self.distance, 2)}
        if self.measures is not None:
            out["measures"] = self.measures.to_dict()
        return out


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
        self.names = self.meta.names
        self.rule = StrangerRule.of(self.meta.threshold, threshold, still)
        self.still = self.rule.still
        detector = DetectorSettings(**self.meta.detector)
        if yunet_model:
            detector.detector, detector.yunet_model = "yunet", yunet_model
        elif detector.detector == "yunet" and not Path(detector.yunet_model or "").is_file() and installed():
            detector.yunet_model = str(installed())  # trained elsewhere: the copy fetched on this machine
        self.detect = make_detector(detector)
        self.crop = FaceCropper(CropSettings(**self.meta.crop))
        self.probe_variants = self.rule.relative  # calibrated that way (edgecam.train.faces.calibration)

    def identify(self, *crops: np.ndarray) -> tuple[str, float, float, float, str]:
        """Name, confidence, distance, the rule's score and the nearest person, for one face given
        one or more prepared crops of it."""
        labels, distances = nearest_per_person(self.lbph, *crops)
        label, distance = int(labels[0]), float(distances[0])
        score = relative_distance(distances) if self.rule.relative else distance
        nearest = self.names.get(label, UNKNOWN)
        name = nearest if self.rule.known(score, distance) else UNKNOWN
        return name, self.rule.confidence(score), distance, score, nearest

    def recognize(self, grey: np.ndarray, detections: list[Detection]) -> list[Face]:
        faces = []
        for detection in detections:
            measures = measure(grey, detection.box)
            chance = self.rule.named_chance(measures.features())
            # A detector's box lands a little differently on every frame; the nearest of a few shifted
            # and mirrored crops matches its own person best (FaceCropper.probes).
            crops = (
                self.crop.probes(grey, detection, self.still) if self.probe_variants else [self.crop(grey, detection)]
            )
            name, confidence, distance, score, nearest = self.identify(*crops)
            face = Face(name, confidence, distance, detection.box, 0, chance, measures, None, score, nearest)
            if not self.rule.usable(chance):
                # Too poor to tell people apart: the nearest name would be a guess.
                face.name, face.reason, face.confidence = UNKNOWN, POOR, 0.5
            faces.append(face)
        return faces

    def __call__(self, frame: np.ndarray) -> list[Face]:
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        return self.recognize(grey, self.detect(grey))
