"""Turn a detected face into the crop LBPH compares: same framing, size and light every time.

LBPH compares local texture histograms cell by cell, so it only works when
every crop puts the eyes, nose and mouth in the same cells and when lighting
differences are evened out. Hence: a fixed crop relative to the detection box,
optional rotation by the eye line, a fixed size, and CLAHE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.faces.detect import Detection, window


@dataclass
class CropSettings:
    width: int = 64
    height: int = 64
    # Trim this fraction of the box from each side: background and hair vary most there
    # (on the tuning scenes, at 90 % of strangers rejected: 0.06 named 91.4 % of known faces, 0 named 88.9 %).
    shrink: float = 0.06
    clahe_clip: float = 0.0  # CLAHE clip limit; 0 = off (on ORL in camera-like frames it cost accuracy)
    clahe_grid: int = 4
    blur: int = 3  # odd Gaussian kernel before LBPH: radius-1 patterns are otherwise mostly sensor noise
    align_eyes: bool = True  # only where the detector gives eye landmarks (YuNet)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# Box shifts and scales used to widen the gallery: the detector's box wanders by about this much
# between frames, and a gallery that has seen it matches a wandering probe better.
JITTERS = ((0.04, 0.0, 1.0), (-0.04, 0.0, 1.0), (0.0, 0.04, 0.94), (0.0, -0.03, 1.06))


# A face is recognised through the crop, its mirror and these two jitters (shifted left and right):
# on the face benchmark's tuning scenes those four named 97.2-97.5 % of known faces against
# 96.7-97.2 % for all six variants and 95.1-95.7 % for the crop alone (docs/benchmarks.md).
PROBE_JITTERS = JITTERS[:2]
PROBE_VARIANTS = 2 + len(PROBE_JITTERS)  # what training calibrates the loop's limit through

# A still has one look at a face where the loop votes over several, and no frame rate to keep, so it
# is also recognised through these boxes (dx, dy, scale, mirrored), where the detector's box may have
# wandered: 12 crops in all. On the tuning scenes (seeds 0-7, each with its own calibrated limit) that
# named faces 100-150 px tall 95.6 % against 94.8 %, never fewer on any seed, all known faces 96.9 %
# against 96.3 %, with strangers "unknown" 95.3 % against 95.8 %. The loop keeps four: twelve cost
# three times the predict time, and six already took the bench under 12x.
STILL_SHIFTS = (
    (0.04, 0.0, 1.0, True),
    (-0.04, 0.0, 1.0, True),
    (0.0, 0.03, 1.0, False),
    (0.0, -0.03, 1.0, False),
    (0.0, 0.0, 0.96, False),
    (0.0, 0.0, 1.04, False),
    (0.02, 0.0, 1.0, False),
    (-0.02, 0.0, 1.0, False),
)
STILL_PROBES = PROBE_VARIANTS + len(STILL_SHIFTS)


class FaceCropper:
    def __init__(self, settings: CropSettings):
        self.settings = settings
        self.clahe = cv2.createCLAHE(clipLimit=max(settings.clahe_clip, 0.01), tileGridSize=(settings.clahe_grid,) * 2)

    def variants(self, grey: np.ndarray, detection: Detection, jitters=JITTERS) -> list[np.ndarray]:
        """The crop, its mirror image and four slightly shifted or scaled crops (``jitters``), for a gallery.

        Faces are nearly symmetric, so the mirror adds the head turned the other way.
        """
        base = self(grey, detection)
        return [base, cv2.flip(base, 1)] + [self.shifted(grey, detection, *jitter) for jitter in jitters]

    def probes(self, grey: np.ndarray, detection: Detection, still: bool = False) -> list[np.ndarray]:
        """The crops one face is recognised through: PROBE_VARIANTS of them, STILL_PROBES for a still.
        The still's set begins with the loop's, so one calibration serves both."""
        crops = self.variants(grey, detection, PROBE_JITTERS)
        if still:
            for dx, dy, scale, mirrored in STILL_SHIFTS:
                crop = self.shifted(grey, detection, dx, dy, scale)
                crops.append(cv2.flip(crop, 1) if mirrored else crop)
        return crops

    def shifted(self, grey: np.ndarray, detection: Detection, dx: float, dy: float, scale: float) -> np.ndarray:
        """The crop of the box moved by dx, dy (fractions of its size) and scaled about its centre."""
        x, y, w, h = detection.box
        nw, nh = w * scale, h * scale
        box = (round(x + dx * w + (w - nw) / 2), round(y + dy * h + (h - nh) / 2), round(nw), round(nh))
        return self(grey, Detection(box, detection.score, detection.eyes))

    def __call__(self, grey: np.ndarray, detection: Detection) -> np.ndarray:
        s = self.settings
        if s.align_eyes and detection.eyes is not None:
            grey = _level_eyes(grey, detection)
        x, y, w, h = detection.box
        dx, dy = w * s.shrink, h * s.shrink
        x0, y0, x1, y1 = round(x + dx), round(y + dy), round(x + w - dx), round(y + h - dy)
        patch = window(grey, x0, y0, x1, y1)
        patch = cv2.resize(patch, (s.width, s.height), interpolation=cv2.INTER_AREA)
        if s.clahe_clip > 0:
            patch = self.clahe.apply(patch)
        if s.blur:
            patch = cv2.GaussianBlur(patch, (s.blur, s.blur), 0)
        return patch


def _level_eyes(grey: np.ndarray, detection: Detection) -> np.ndarray:
    assert detection.eyes is not None  # only called for a detection with landmarks
    (rx, ry), (lx, ly) = detection.eyes
    angle = math.degrees(math.atan2(ly - ry, lx - rx))
    if abs(angle) < 2:  # not worth a warp
        return grey
    x, y, w, h = detection.box
    rotation = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), angle, 1.0)
    return cv2.warpAffine(
        grey, rotation, (grey.shape[1], grey.shape[0]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
