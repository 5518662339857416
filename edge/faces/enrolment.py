"""Capture a new person's face from a camera, a video or the running loop's own frames.

Only frames worth learning from are kept: one face, large enough, sharp, and
different enough from the crops already kept (a person sitting still gives
hundreds of identical frames, which would crowd the LBPH gallery).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge import atomic
from edgecam.edge.faces.detect import DetectorSettings, make_detector
from edgecam.edge.faces.model_file import PRIVATE
from edgecam.edge.faces.quality import sharpness


@dataclass
class EnrollSettings:
    count: int = 20
    min_face: int = 80  # pixels: smaller faces carry too little texture for LBPH
    # Gradient energy over contrast at LBPH's crop size (faces.quality): ORL's 400 photos at 150 px
    # measure 2.2-3.9, through a 320x240 sensor scaled up 1.7-2.0, and a 120 px face defocused by a
    # 4 px Gaussian 1.6. The variance of the Laplacian used before grows with contrast and size: it
    # turned away sharp faces in a dim room (18 for a face that measured 79 lit) and every face
    # from a 320x240 sensor scaled up.
    min_sharpness: float = 1.6
    min_change: float = 12.0  # mean grey-level difference from every kept crop, at 32x32
    margin: float = 0.4  # saved images keep this much context around the face, so training finds it again
    max_frames: int = 3000


@dataclass
class Enrolment:
    saved: list[Path]
    frames: int
    rejected: dict[str, int]


def capture(
    name: str, source, dataset: Path, settings: EnrollSettings, detector: DetectorSettings, on_saved=None
) -> Enrolment:
    folder = Path(dataset) / unicodedata.normalize("NFC", name)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    start = len(list(folder.glob("*.png")))
    detect = make_detector(detector)
    kept_thumbs: list[np.ndarray] = []
    rejected = {"no face": 0, "several faces": 0, "too small": 0, "blurred": 0, "too similar": 0}
    saved: list[Path] = []
    frames = 0
    while len(saved) < settings.count and frames < settings.max_frames:
        frame = source.read()
        if frame is None:
            break
        frames += 1
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        detections = detect(grey)
        reason = _reject_reason(grey, detections, kept_thumbs, settings)
        if reason:
            rejected[reason] += 1
            continue
        x, y, w, h = detections[0].box
        kept_thumbs.append(_thumb(grey[y : y + h, x : x + w]))
        m = settings.margin
        x0, y0 = max(0, round(x - m * w)), max(0, round(y - m * h))
        path = folder / f"{start + len(saved) + 1:04d}.png"
        # Through a private temporary file: a face photo is never readable by others, not even briefly.
        png = cv2.imencode(".png", frame[y0 : round(y + h + m * h), x0 : round(x + w + m * w)])[1]
        atomic.write_bytes(path, png.tobytes(), PRIVATE)
        saved.append(path)
        if on_saved:
            on_saved(len(saved))
    return Enrolment(saved, frames, rejected)


def _reject_reason(grey, detections, kept_thumbs, settings: EnrollSettings) -> str | None:
    if not detections:
        return "no face"
    if len(detections) > 1:
        return "several faces"  # we cannot tell which one is the person being enrolled
    x, y, w, h = detections[0].box
    if min(w, h) < settings.min_face:
        return "too small"
    face = grey[max(0, y) : y + h, max(0, x) : x + w]
    if sharpness(grey, (x, y, w, h)) < settings.min_sharpness:
        return "blurred"
    thumb = _thumb(face)
    if any(np.abs(thumb - other).mean() < settings.min_change for other in kept_thumbs):
        return "too similar"
    return None


def _thumb(face: np.ndarray) -> np.ndarray:
    return cv2.equalizeHist(cv2.resize(face, (32, 32), interpolation=cv2.INTER_AREA)).astype(np.float32)
