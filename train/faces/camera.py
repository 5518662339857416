"""What a camera does to an enrolment photo, so that the unknown threshold is calibrated on
faces as the live loop will see them rather than on the clean photos themselves.

Photos compared with photos sit closer together than camera frames compared with photos:
a frame adds resampling, defocus, sensor noise and the detector's own framing. A
threshold calibrated on clean photos rejected 97 % of strangers on camera-like scenes
instead of the 90 % promised, and turned known people away with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.faces.crop import FaceCropper
from edgecam.edge.faces.detect import Detection, centre_inside
from edgecam.edge.faces.quality import measure

FRAME = (640, 480)  # the live loop's frame: detection shrinks it as it does live, so boxes are framed alike


def camera_view(grey: np.ndarray, detection: Detection, rng: np.random.Generator) -> tuple[np.ndarray, Detection]:
    """The photo as a camera might frame it: the face 70-230 px wide somewhere in a 640x480 frame
    (the photo's edges repeated where it does not reach), then the calibration family's effects."""
    scale = rng.uniform(70, 230) / max(detection.box[2], 1)
    x, y, w, h = (round(v * scale) for v in detection.box)
    left, top = int(rng.integers(0, max(1, FRAME[0] - w))), int(rng.integers(0, max(1, FRAME[1] - h)))
    placing = np.array([[scale, 0, left - x], [0, scale, top - y]], dtype=np.float64)
    framed = cv2.warpAffine(grey, placing, FRAME, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return camera_effects(framed, rng), Detection((left, top, w, h), detection.score, None)


def camera_effects(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The calibration family: what calibration and the tuning scenes see a camera do. An exposure
    gain (bright enough to clip), sometimes a lower resolution (a pyramid level down and up),
    a Gaussian defocus, WebP compression, and Gaussian sensor noise, each of its own strength.
    The face benchmark's held-out family (tests/heldout_camera.py) shares none of these."""
    out: np.ndarray = frame.astype(np.float32) * rng.uniform(0.5, 1.8)
    if rng.random() < 0.3:
        levels = int(rng.integers(1, 3))
        small: np.ndarray = out
        for _ in range(levels):
            small = cv2.pyrDown(small)
        for _ in range(levels):
            small = cv2.pyrUp(small)
        out = small[: frame.shape[0], : frame.shape[1]]
    sigma = rng.choice([0.0, 0.0, 0.6, 1.2, 2.0])
    if sigma:
        out = np.asarray(cv2.GaussianBlur(out, (0, 0), sigma))
    out += rng.normal(0, rng.uniform(2, 9), out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.35:
        ok, data = cv2.imencode(".webp", out, [cv2.IMWRITE_WEBP_QUALITY, int(rng.integers(10, 70))])
        decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if ok else None
        if decoded is not None:
            out = decoded
    return out


def camera_query(
    grey: np.ndarray, detection: Detection, detector, cropper: FaceCropper, rng: np.random.Generator
) -> np.ndarray:
    """One gallery crop as a camera sees the photo: the camera view, the face found again by the
    detector (its framing wobbles as it will live), the scaled photo box if the detector misses it."""
    view, face = _camera_face(grey, detection, detector, rng)
    return cropper(view, face)


@dataclass
class CameraProbe:
    """One calibration query: a camera view of a photo through the crops the recogniser probes a
    still with (FaceCropper.probes, the loop's first), and the quality measured where it was found."""

    crops: list[np.ndarray]
    features: np.ndarray  # faces.quality.Quality.features


def camera_probe(
    grey: np.ndarray, detection: Detection, detector, cropper: FaceCropper, rng: np.random.Generator
) -> CameraProbe:
    view, face = _camera_face(grey, detection, detector, rng)
    return CameraProbe(cropper.probes(view, face, still=True), measure(view, face.box).features())


def _camera_face(
    grey: np.ndarray, detection: Detection, detector, rng: np.random.Generator
) -> tuple[np.ndarray, Detection]:
    view, scaled = camera_view(grey, detection, rng)
    found = [d for d in detector(view) if centre_inside(d.box, scaled.box)]
    return view, found[0] if found else scaled
