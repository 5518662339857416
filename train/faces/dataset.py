"""Read a face dataset laid out as DATASET/<person name>/*.jpg into aligned crops.

Any Unicode folder name is a person's name. Images are never dropped silently:
each one is either used or listed with the reason it was skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.faces.crop import FaceCropper
from edgecam.edge.faces.detect import Detection
from edgecam.edge.faces.people import person_folders
from edgecam.train.faces.camera import CameraProbe, camera_probe, camera_query

# An image no larger than this that holds no detectable face is taken to be a face crop already (like ORL).
CROP_MAX_SIDE = 200
CAMERA_VIEWS = 2  # camera-like views of each photo added to its gallery variants
# Camera-like queries of each photo the stranger limit and the quality rule are calibrated on:
# three give 720 of each kind for ORL's 30 people x 8 images, enough to fit the quality rule.
QUERIES_PER_IMAGE = 3


@dataclass
class FaceSet:
    # person -> one entry per image: its crop variants, the plain crop first (see FaceCropper.variants)
    crops: dict[str, list[list[np.ndarray]]] = field(default_factory=dict)
    # person -> QUERIES_PER_IMAGE camera-like faces per image, same order: the calibration queries
    queries: dict[str, list[list[CameraProbe]]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # person -> image paths, same order
    skipped: list[dict] = field(default_factory=list)  # {"image", "reason"}
    whole_image_crops: int = 0


def pad_face_crop(grey: np.ndarray) -> tuple[np.ndarray, int]:
    """Give a tight face crop room around it (edge pixels repeated), so the detector frames the
    face as it does in a camera frame; in a tight crop its largest window is cut short by the
    image border and the boxes come out smaller. Padding also lets Haar find 399 of ORL's 400."""
    pad = max(grey.shape[:2]) // 2
    return cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE), pad


def whole_image_box(shape: tuple[int, ...], pad: int = 0) -> tuple[int, int, int, int]:
    """Where Haar puts the face in a padded tight crop, measured on ORL (median box):
    97 % of the width, centred, its top at 16 % of the height."""
    height, width = shape[:2]
    w = round(0.97 * width)
    return pad + (width - w) // 2, pad + round(0.16 * height), w, w


def load_crops(dataset: Path, detector, cropper: FaceCropper, on_image=None) -> FaceSet:
    faces = FaceSet()
    rng = np.random.default_rng(0)  # the same dataset always calibrates to the same threshold
    for person, images in person_folders(dataset).items():
        for path in images:
            if on_image:
                on_image()
            grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if grey is None:
                faces.skipped.append({"image": str(path), "reason": "unreadable image"})
                continue
            detection, grey, whole = find_face(grey, detector)
            if detection is None:
                faces.skipped.append({"image": str(path), "reason": "no face found"})
                continue
            faces.whole_image_crops += whole
            # The gallery also holds camera-like views of the photo: a live frame is resampled,
            # blurred and noisy, and matches such a view more closely than the clean photo.
            views = [camera_query(grey, detection, detector, cropper, rng) for _ in range(CAMERA_VIEWS)]
            faces.crops.setdefault(person, []).append(cropper.variants(grey, detection) + views)
            probes = [camera_probe(grey, detection, detector, cropper, rng) for _ in range(QUERIES_PER_IMAGE)]
            faces.queries.setdefault(person, []).append(probes)
            faces.sources.setdefault(person, []).append(str(path))
    return faces


def find_face(grey: np.ndarray, detector) -> tuple[Detection | None, np.ndarray, bool]:
    """The largest face, the image it was found in (padded if it was a tight crop), and whether
    the whole crop had to stand in for a face the detector missed."""
    small = max(grey.shape) <= CROP_MAX_SIDE
    pad = 0
    if small:
        grey, pad = pad_face_crop(grey)
    detections = detector(grey)
    if detections:
        return max(detections, key=lambda d: d.box[2] * d.box[3]), grey, False
    if small:
        original = (grey.shape[0] - 2 * pad, grey.shape[1] - 2 * pad)
        return Detection(whole_image_box(original, pad)), grey, True
    return None, grey, False
