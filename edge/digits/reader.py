"""Read the handwritten digits in a region of interest: segmentation, MNIST-style crops, one batch.

A camera sees dark ink on pale paper under uneven light; the CNN learnt white
digits on black, 20x20 inside 28x28, centred on their centre of mass. This
module bridges the two, as OpenCV's digits_video.py sample does, and adds what
a real card needs: flat-fielding, specks and ruled lines ignored, strokes that
broke apart joined again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from edgecam.edge.digits.model import DigitModel


@dataclass
class Digit:
    digit: int
    probability: float
    box: tuple[int, int, int, int]  # x, y, w, h inside the ROI

    def to_dict(self) -> dict:
        return {
            "digit": int(self.digit),
            "probability": round(float(self.probability), 4),
            "box": [int(v) for v in self.box],
        }


@dataclass
class Reading:
    text: str = ""
    confidence: float = 0.0
    digits: list[Digit] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": round(float(self.confidence), 4)}


@dataclass
class ReaderSettings:
    min_height: float = 0.18  # a digit is at least this share of the ROI's height
    max_height: float = 0.98
    min_ink_pixels: int = 12
    min_probability: float = 0.0  # digits below this are left out of the text


class DigitReader:
    def __init__(self, model: DigitModel, settings: ReaderSettings | None = None):
        self.model = model
        self.settings = settings or ReaderSettings()

    def read(self, roi: np.ndarray) -> Reading:
        grey = roi if roi.ndim == 2 else cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY)
        ink = ink_map(grey)
        boxes = digit_boxes(ink_mask(ink), grey.shape, self.settings)
        if not boxes:
            return Reading()
        crops = np.stack([mnist_crop(ink, box) for box in boxes])
        digits, probabilities = self.model.classify(crops)
        found = [
            Digit(int(d), float(p), box)
            for d, p, box in zip(digits, probabilities, boxes, strict=False)
            if p >= self.settings.min_probability
        ]
        if not found:
            return Reading()
        text = "".join(str(self.model.labels[d.digit]) for d in found)
        return Reading(text, float(np.prod([d.probability for d in found])), found)


def ink_map(grey: np.ndarray) -> np.ndarray:
    """How much darker than the paper each pixel is (0-255, ink bright), with uneven light removed.

    The paper's brightness is estimated by a closing that is larger than any stroke
    (so strokes vanish from it); dividing by it flattens shadows and gradients.
    """
    height, width = grey.shape[:2]
    # The paper is smooth by construction (closed, then blurred), so it is estimated at a quarter of
    # the size and scaled back: the same flattening for a fifth of the time.
    step = 4 if height >= 64 and width >= 64 else 1
    small = cv2.resize(grey, (width // step, height // step), interpolation=cv2.INTER_AREA) if step > 1 else grey
    size = max(3, (small.shape[0] // 6) | 1)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    paper = cv2.GaussianBlur(paper, (0, 0), size / 4)
    if step > 1:
        paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    ratio = grey.astype(np.float32) / np.maximum(paper.astype(np.float32), 1)
    return np.clip((1 - ratio) * 255 * 2.5, 0, 255).astype(np.uint8)


def ink_mask(ink: np.ndarray) -> np.ndarray:
    """Binary ink: Otsu on the flattened image, with a floor so blank paper stays blank."""
    level, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, mask = cv2.threshold(ink, max(level, 40), 255, cv2.THRESH_BINARY)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def digit_boxes(mask: np.ndarray, shape: tuple[int, ...], settings: ReaderSettings) -> list[tuple[int, int, int, int]]:
    """Boxes of the connected ink blobs that look like digits, joined where a stroke broke, left to right."""
    height, width = shape[:2]
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = []
    for x, y, w, h, area in stats[1:count]:
        if area < settings.min_ink_pixels:
            continue  # specks of dust and noise
        if w > 0.6 * width and h < 0.15 * height:
            continue  # a ruled line or the card's edge
        if (x == 0 or y == 0 or x + w == width or y + h == height) and (w > 0.9 * width or h > 0.98 * height):
            continue  # the ROI cut through something larger: a frame, a border
        boxes.append([int(x), int(y), int(w), int(h)])
    boxes = _join_overlapping_columns(sorted(boxes))
    low, high = settings.min_height * height, settings.max_height * height
    return [(b[0], b[1], b[2], b[3]) for b in boxes if low <= b[3] <= high]


def _join_overlapping_columns(boxes: list[list[int]]) -> list[list[int]]:
    """A 5's flag or a 4 drawn in two strokes are separate blobs stacked in one column: join them."""
    joined: list[list[int]] = []
    for box in boxes:
        if joined:
            last = joined[-1]
            overlap = min(last[0] + last[2], box[0] + box[2]) - max(last[0], box[0])
            if overlap > 0.5 * min(last[2], box[2]):
                x0, y0 = min(last[0], box[0]), min(last[1], box[1])
                x1, y1 = max(last[0] + last[2], box[0] + box[2]), max(last[1] + last[3], box[1] + box[3])
                joined[-1] = [x0, y0, x1 - x0, y1 - y0]
                continue
        joined.append(box)
    return joined


def mnist_crop(ink: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """MNIST's own normalisation: fit into 20x20 keeping the aspect ratio, then shift so the
    centre of mass sits at the centre of the 28x28 image."""
    x, y, w, h = box
    patch = ink[y : y + h, x : x + w]
    scale = 20.0 / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(patch, size, interpolation=cv2.INTER_AREA)
    out = np.zeros((28, 28), np.uint8)
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = small
    moments = cv2.moments(out, binaryImage=False)
    if moments["m00"] > 0:
        cx, cy = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
        shift = np.array([[1, 0, 14 - cx], [0, 1, 14 - cy]], dtype=np.float32)
        return np.asarray(cv2.warpAffine(out, shift, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0))
    return out
