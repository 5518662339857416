"""What a camera does to an enrolment photo, so that the unknown threshold is calibrated on
faces as the live loop will see them rather than on the clean photos themselves.

Photos compared with photos sit closer together than camera frames compared with photos:
a frame adds resampling, defocus, sensor noise and the detector's own framing. A
threshold calibrated on clean photos rejected 97 % of strangers on camera-like scenes
instead of the 90 % promised, and turned known people away with them.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.faces.crop import FaceCropper
from edgecam.edge.faces.detect import Detection, centre_inside

FRAME = (640, 480)  # the live loop's frame: detection shrinks it as it does live, so boxes are framed alike


def camera_view(grey: np.ndarray, detection: Detection, rng: np.random.Generator) -> tuple[np.ndarray, Detection]:
    """The photo as a camera might frame it: the face 70-230 px wide somewhere in a 640x480 frame
    (the photo's edges repeated where it does not reach), exposure gain, a little blur, sensor noise."""
    scale = rng.uniform(70, 230) / max(detection.box[2], 1)
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    scaled = cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    x, y, w, h = (round(v * scale) for v in detection.box)
    left, top = int(rng.integers(0, max(1, FRAME[0] - w))), int(rng.integers(0, max(1, FRAME[1] - h)))
    x0, y0 = x - left, y - top  # where the frame's corner falls in the scaled photo
    pad = max(0, -x0, -y0, x0 + FRAME[0] - size[0], y0 + FRAME[1] - size[1])
    scaled = cv2.copyMakeBorder(scaled, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    out = scaled[y0 + pad : y0 + pad + FRAME[1], x0 + pad : x0 + pad + FRAME[0]].astype(np.float32)
    out = out * rng.uniform(0.6, 1.3)
    sigma = rng.choice([0.0, 0.6, 1.2])
    if sigma:
        out = np.asarray(cv2.GaussianBlur(out, (0, 0), sigma))
    out += rng.normal(0, rng.uniform(2, 8), out.shape)
    return np.clip(out, 0, 255).astype(np.uint8), Detection((left, top, w, h), detection.score, None)


def camera_query(
    grey: np.ndarray, detection: Detection, detector, cropper: FaceCropper, rng: np.random.Generator
) -> np.ndarray:
    """One calibration crop: the camera view, the face found again by the detector (its framing
    wobbles as it will live), the scaled photo box if the detector misses it."""
    view, face = _camera_face(grey, detection, detector, rng)
    return cropper(view, face)


def camera_probes(
    grey: np.ndarray, detection: Detection, detector, cropper: FaceCropper, rng: np.random.Generator
) -> list[np.ndarray]:
    """As camera_query, through the crops the recogniser probes a still with (FaceCropper.probes),
    the loop's first."""
    view, face = _camera_face(grey, detection, detector, rng)
    return cropper.probes(view, face, still=True)


def _camera_face(
    grey: np.ndarray, detection: Detection, detector, rng: np.random.Generator
) -> tuple[np.ndarray, Detection]:
    view, scaled = camera_view(grey, detection, rng)
    found = [d for d in detector(view) if centre_inside(d.box, scaled.box)]
    return view, found[0] if found else scaled
