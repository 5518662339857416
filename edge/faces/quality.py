"""How much of a face the camera really delivered: measured on the face's own pixels in the frame.

LBPH compares fine texture, and every way a camera loses texture (defocus, motion,
a low-resolution sensor scaled up, compression, clipped highlights) makes different
people's histograms more alike, so a stranger's nearest distance falls towards a
known person's. These measures let the decision know when that is happening:

- ``sharpness``: gradient energy of the face at the LBPH crop's size over its contrast;
- ``resolution``: the face's true height in pixels, the height it can be shrunk to and
  grown back from keeping half its fine detail (a 110 px face from a 320x240 sensor
  scaled to 640x480 measures about two thirds of the same face seen natively; beyond a
  2x enlargement the interpolation's own kinks read as detail, and it measures high);
- ``clipping``: the share of the face's pixels at black or white;
- ``blockiness``: how much more the frame jumps across the 8x8 grid of JPEG blocks than
  between other columns and rows, around the face (0: no block edges).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.faces.detect import window

SIDE = 64  # the LBPH crop's size: sharpness is measured where the comparison happens
SHRINK_STEPS = (0.85, 0.7, 0.6, 0.5, 0.42, 0.35, 0.28, 0.2)  # sizes tried for the true resolution
HALF_DETAIL = 0.5  # the true height is where a shrink and grow back keeps half of the fine detail
BLOCK = 8
MARGIN = 16  # frame pixels around the box the block grid is looked for in
# Larger faces are measured shrunk to this height: LBPH compares 64x64 crops, so detail beyond it
# decides nothing, and the measures stay under a millisecond a face.
MEASURED_HEIGHT = 160


@dataclass(frozen=True)
class Quality:
    sharpness: float
    resolution: float  # px
    clipping: float  # 0-1
    blockiness: float  # 0 = none

    def features(self) -> np.ndarray:
        """The measures as the decision's quality model reads them (log scales where effects multiply)."""
        return np.array(
            [
                np.log(max(self.sharpness, 1e-3)),
                np.log(max(self.resolution, 1.0)),
                self.clipping,
                self.blockiness,
            ]
        )

    def to_dict(self) -> dict:
        return {
            "sharpness": round(self.sharpness, 3),
            "resolution": round(self.resolution, 1),
            "clipping": round(self.clipping, 3),
            "blockiness": round(self.blockiness, 3),
        }


FEATURES = ("log sharpness", "log resolution", "clipping", "blockiness")


def measure(grey: np.ndarray, box: tuple[int, int, int, int]) -> Quality:
    """The quality of the face in ``box`` of the grey frame."""
    face, scale = _face(grey, box)
    if face is None:
        return Quality(0.0, 1.0, 1.0, 0.0)
    return Quality(_sharpness(face), _resolution(face) * scale, _clipping(face), _blockiness(grey, box))


def sharpness(grey: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """``measure(grey, box).sharpness`` alone, for a check that needs nothing else (enrolment)."""
    face, _ = _face(grey, box)
    return 0.0 if face is None else _sharpness(face)


def _face(grey: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray | None, float]:
    """The face's pixels as measured (no more than MEASURED_HEIGHT tall), and how much they were
    shrunk; None for a box too small to measure."""
    x, y, w, h = box
    face: np.ndarray = window(grey, x, y, x + w, y + h).astype(np.float32)
    if face.size == 0 or min(face.shape) < 4:
        return None, 1.0
    if face.shape[0] <= MEASURED_HEIGHT:
        return face, 1.0
    scale = face.shape[0] / MEASURED_HEIGHT
    size = (max(4, round(face.shape[1] / scale)), MEASURED_HEIGHT)
    return cv2.resize(face, size, interpolation=cv2.INTER_AREA), scale


def _sharpness(face: np.ndarray) -> float:
    small = cv2.resize(face, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    contrast = float(small.std())
    if contrast < 1.0:
        return 0.0
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    return float(np.sqrt(np.mean(gx * gx + gy * gy))) / contrast


def _resolution(face: np.ndarray) -> float:
    """The height at which a shrink and grow back keeps half of the face's fine detail (what a
    3x3 box blur takes away), interpolated between SHRINK_STEPS: an ORL photo (112 px) pasted
    200 px tall measures about 110, and a face grown from a smaller picture about that picture's."""
    h, w = face.shape
    face = cv2.medianBlur(face, 3)  # pixel noise is not detail the camera resolved
    detail = face - cv2.blur(face, (3, 3))
    energy = float(np.mean(detail * detail))
    if energy < 1e-6:
        return 1.0
    previous_step, previous_share = 1.0, 1.0
    for step in SHRINK_STEPS:
        size = (max(2, round(w * step)), max(2, round(h * step)))
        back = cv2.resize(cv2.resize(face, size, interpolation=cv2.INTER_AREA), (w, h), interpolation=cv2.INTER_LINEAR)
        kept = back - cv2.blur(back, (3, 3))
        share = 1 - float(np.mean((detail - kept) ** 2)) / energy
        if share < HALF_DETAIL:
            between = (previous_share - HALF_DETAIL) / max(previous_share - share, 1e-6)
            return h * (previous_step - between * (previous_step - step))
        previous_step, previous_share = step, share
    return h * SHRINK_STEPS[-1]


def _clipping(face: np.ndarray) -> float:
    return float(np.mean((face <= 3) | (face >= 252)))


def _blockiness(grey: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Mean jump across block borders over the mean jump elsewhere, minus one, both directions, in
    the frame's own coordinates (a JPEG's grid starts at its corner)."""
    x, y, w, h = box
    x0, y0 = max(0, x - MARGIN) // BLOCK * BLOCK, max(0, y - MARGIN) // BLOCK * BLOCK
    x1, y1 = min(grey.shape[1], x + w + MARGIN), min(grey.shape[0], y + h + MARGIN)
    region = grey[y0:y1, x0:x1].astype(np.float32)
    if min(region.shape) < 2 * BLOCK:
        return 0.0
    ratios = []
    for jumps in (np.abs(np.diff(region, axis=1)).mean(axis=0), np.abs(np.diff(region, axis=0)).mean(axis=1)):
        border = np.arange(len(jumps)) % BLOCK == BLOCK - 1  # between pixel 8k-1 and 8k
        inside = float(jumps[~border].mean())
        ratios.append(float(jumps[border].mean()) / inside - 1 if inside > 0.5 else 0.0)
    return max(0.0, float(np.mean(ratios)))
