"""Find faces in a frame: OpenCV's Haar cascade by default, YuNet when given its model.

Detection runs on a downscaled grey copy of the frame (faces at a camera's
distance are large, and the cascade's cost grows with pixels), and boxes are
scaled back to the frame's coordinates.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from edgecam.edge.errors import DataError, MissingInput

# The cascades OpenCV's wheel ships.
HAAR_FOLDER: str = cv2.data.haarcascades  # type: ignore[attr-defined]  # cv2.data: absent from OpenCV's stubs


Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
Sizes = tuple[int, int]  # the narrowest and widest face to look for, in frame pixels


@dataclass
class Detection:
    box: Box
    score: float = 1.0
    eyes: tuple[tuple[float, float], tuple[float, float]] | None = None  # (right eye, left eye), YuNet only


@dataclass
class DetectorSettings:
    detector: str = "haar"  # "haar" or "yunet"
    yunet_model: str | None = None
    detect_width: int = 320  # frames wider than this are shrunk before detection
    # alt2, on the frame as it is: on the face benchmark's tuning scenes (tests/face_scenes.py) the
    # default cascade with histogram equalisation missed 27 % of faces on flat walls (equalising a
    # mostly flat frame washes the face out) and put a phantom on 6 % of face-free frames; alt2
    # without equalisation missed none and put a phantom on 1.7 %.
    cascade: str = "haarcascade_frontalface_alt2.xml"
    equalize: bool = False
    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_face: int = 24  # pixels, at detection scale
    score_threshold: float = 0.75  # YuNet
    # The live loop's fast search, which only finds where faces are (tracking); the precise
    # search above is then run in a small window around a face that needs naming. At 160 px it
    # missed 21 % of faces 100-150 px tall (newcomers went unseen for a second); at 320 px with
    # coarse scale steps it missed 2.5 % for 9.4 ms a frame (280 px at 1.2: 3.7 %, 11.5 ms).
    track_width: int = 320
    track_scale_factor: float = 1.3
    # Its smallest window. The cascade's windows grow from 20 px by the scale factor (20, 26, 34, ...),
    # so 28 starts the fast search at 34 px (67 px in a 640-wide frame). On the face benchmark's tuning
    # stills it missed the very faces the 26 px start missed (3.0 %; 3.8 % of faces 100-150 px tall,
    # both), in 9.2 ms a frame against 11.3 ms.
    track_min_face: int = 28
    # Fewer neighbouring hits than the precise search asks: a hit here is only where to look, and a
    # new face is verified by the precise search before it is shown. On the tuning stills 3 missed
    # 0.9 % of faces against 3.0 % for 5, for the same time, and found nothing on 240 face-free frames.
    # With both settings, the bench clip's face tracking took 6.1 ms a frame against 6.8 ms before.
    track_min_neighbors: int = 3

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class FaceDetector(Protocol):
    """What the recogniser, the tracker and training ask of a detector."""

    # A coarse hit becomes a face only if the precise search around it finds one too.
    verifies: bool
    # The coarse search can run on a window of the frame cheaply: worth watching for cuts.
    searches_windows: bool

    def __call__(self, grey: np.ndarray) -> list[Detection]:
        """The precise search over the whole frame: boxes framed as at training time."""
        ...

    def coarse(self, grey: np.ndarray) -> list[Detection]:
        """The fast search over the whole frame: where the faces are, loosely framed."""
        ...

    def coarse_in(self, grey: np.ndarray, area: Box, sizes: Sizes | None = None) -> tuple[list[Detection], Box]:
        """The fast search in and around ``area`` (for faces ``sizes`` wide, in frame pixels, when
        given): its detections and the window it searched."""
        ...

    def around(self, grey: np.ndarray, box: Box) -> Detection | None:
        """The precise search near a loose box; None when it finds no face there."""
        ...


class HaarDetector:
    """The frontal-face cascade that ships inside opencv-python: nothing to download."""

    verifies = True  # the cascade's coarse search can fire on texture: the precise one confirms
    searches_windows = True

    def __init__(self, settings: DetectorSettings):
        self.settings = settings
        self.cascade = cv2.CascadeClassifier(str(Path(HAAR_FOLDER) / settings.cascade))
        if self.cascade.empty():
            raise DataError(
                f"OpenCV's {settings.cascade} could not be loaded; reinstall opencv-contrib-python-headless."
            )

    def __call__(self, grey: np.ndarray) -> list[Detection]:
        """The precise search: boxes framed as at training time."""
        return self._search(grey, self.settings.detect_width, self.settings.scale_factor)

    def coarse(self, grey: np.ndarray) -> list[Detection]:
        """A fast search on a much smaller frame: where the faces are, loosely framed."""
        return self._coarse_search(grey, self.settings.track_width)

    def _coarse_search(self, grey: np.ndarray, width: int) -> list[Detection]:
        s = self.settings
        return self._search(grey, width, s.track_scale_factor, s.track_min_face, neighbors=s.track_min_neighbors)

    def _search(
        self,
        grey: np.ndarray,
        width: int,
        scale_factor: float,
        min_size: int | None = None,
        max_size: int | None = None,
        neighbors: int | None = None,
    ) -> list[Detection]:
        small, scale = _shrink(grey, width)
        if self.settings.equalize:
            small = cv2.equalizeHist(small)
        low = min_size or self.settings.min_face
        found, hits = self.cascade.detectMultiScale2(
            small,
            scaleFactor=scale_factor,
            minNeighbors=neighbors or self.settings.min_neighbors,
            minSize=(low, low),
            maxSize=(max_size, max_size) if max_size else (0, 0),  # (0, 0): no limit
        )
        # A box's score is how many of the cascade's windows agreed on it: its confidence.
        return drop_overlapping(
            [
                Detection(_scale_box(box, scale), float(count))
                for box, count in zip(np.reshape(found, (-1, 4)), np.ravel(hits), strict=False)
            ]
        )

    def coarse_in(self, grey: np.ndarray, area: Box, sizes: Sizes | None = None) -> tuple[list[Detection], Box]:
        """The fast search in ``area`` widened by half its size, at most 64 px (a face only partly
        inside is found whole), past the frame's edge too (see ``window``), for faces ``sizes``
        wide when given (the cascade's cost is mostly in its smallest windows): its detections and
        the window searched, both in frame pixels."""
        x, y, w, h = area
        pad = min(max(w, h) // 2, 64)
        frame_scale = min(1.0, self.settings.track_width / grey.shape[1])
        # On the shrunk frame's pixel grid, so that a face is framed as the whole-frame search frames it.
        step = round(1 / frame_scale) if abs(1 / frame_scale - round(1 / frame_scale)) < 1e-6 else 1
        x0, y0 = (x - pad) // step * step, (y - pad) // step * step
        x1, y1 = -(-(x + w + pad) // step) * step, -(-(y + h + pad) // step) * step
        region, s = window(grey, x0, y0, x1, y1), self.settings
        if sizes is None:
            found = self._coarse_search(region, round((x1 - x0) * frame_scale))
        else:
            low, high = max(s.track_min_face, int(sizes[0] * frame_scale)), int(sizes[1] * frame_scale) + 1
            found = self._search(
                region, round((x1 - x0) * frame_scale), s.track_scale_factor, low, high, s.track_min_neighbors
            )
        moved = [Detection((x0 + bx, y0 + by, bw, bh)) for bx, by, bw, bh in (d.box for d in found)]
        return moved, (x0, y0, x1 - x0, y1 - y0)

    def around(self, grey: np.ndarray, box: Box) -> Detection | None:
        """The precise search, run only in a window around a loose box and over face sizes near
        it: the same boxes as a whole-frame precise search, for a fraction of the work."""
        x, y, w, h = box
        frame_scale = min(1.0, self.settings.detect_width / grey.shape[1])
        size = w * frame_scale
        wanted = (x - w // 2, y - h // 2, x + w + w // 2, y + h + h // 2)
        inside = (max(0, wanted[0]), max(0, wanted[1]), min(grey.shape[1], wanted[2]), min(grey.shape[0], wanted[3]))
        # The window as cut by the frame first: the boxes the training's whole-frame search gave.
        # Only a face it misses there gets the window past the edge (someone stepping in).
        for x0, y0, x1, y1 in (inside, wanted) if inside != wanted else (inside,):
            region = window(grey, x0, y0, x1, y1)
            found = self._search(
                region,
                round(region.shape[1] * frame_scale),
                self.settings.scale_factor,
                max(self.settings.min_face, int(size * 0.6)),
                int(size * 1.6) + 1,
            )
            if found:
                fx, fy, fw, fh = found[0].box  # the surest (drop_overlapping's order)
                return Detection((x0 + fx, y0 + fy, fw, fh))
        return None


class YuNetDetector:
    # YuNet is fast and precise enough to track with as it is.
    """OpenCV's YuNet (cv2.FaceDetectorYN): more faces at angles and in poor light, and eye landmarks."""

    def __init__(self, settings: DetectorSettings):
        if not settings.yunet_model or not Path(settings.yunet_model).is_file():
            raise MissingInput(
                f"No YuNet model at {settings.yunet_model}; fetch it with 'edgecam models fetch yunet' "
                "or give the path of your copy."
            )
        self.settings = settings
        # OpenCV's DNN engine warns about targets on every load: noise for our users.
        with contextlib.suppress(AttributeError):  # builds without cv2.utils.logging
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        try:
            self.net = cv2.FaceDetectorYN.create(
                str(settings.yunet_model), "", (320, 240), settings.score_threshold, 0.3, 50
            )
        except cv2.error as error:
            raise DataError(f"{settings.yunet_model} is not a YuNet model OpenCV can load.") from error
        self.size = (320, 240)

    def __call__(self, grey: np.ndarray) -> list[Detection]:
        small, scale = _shrink(grey, self.settings.detect_width)
        bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        size = (bgr.shape[1], bgr.shape[0])
        if size != self.size:
            self.net.setInputSize(size)
            self.size = size
        _, faces = self.net.detect(bgr)
        detections = []
        for row in faces if faces is not None else []:
            eyes = ((row[4] / scale, row[5] / scale), (row[6] / scale, row[7] / scale))
            detections.append(Detection(_scale_box(row[:4], scale), float(row[14]), eyes))
        return detections

    verifies = False  # YuNet's coarse search is its precise one: there is no second opinion to ask
    searches_windows = False  # one pass over the whole frame is all YuNet has

    def coarse(self, grey: np.ndarray) -> list[Detection]:
        return self(grey)

    def coarse_in(self, grey: np.ndarray, area: Box, sizes: Sizes | None = None) -> tuple[list[Detection], Box]:
        return self(grey), (0, 0, grey.shape[1], grey.shape[0])

    def around(self, grey: np.ndarray, box: Box) -> Detection | None:
        return None  # the tracking box is already YuNet's own


def drop_overlapping(detections: list[Detection], limit: float = 0.25) -> list[Detection]:
    """Of two boxes that overlap by more than ``limit`` of the smaller one, keep the one more of
    the cascade's windows agreed on (the larger on a tie), surest first: two faces never share
    that much of a box, while the cascade's stray hits beside a face, or around it, do.

    Keeping the larger instead lost faces to a loose box around them: on the face benchmark's
    tuning stills, a close-up photo's edges drew a hit 1.5-2x the face's size with 6-15 agreeing
    windows while the face itself had 17-74, and the crop from the loose box held the face at
    half its width or less. With this rule, faces 100-150 px tall were named 95.6 % against
    95.3 % on the tuning seeds (0-1) and 94.4 % against 92.8 % on the validation seeds (2-3)."""
    kept: list[Detection] = []
    for detection in sorted(detections, key=lambda d: (d.score, d.box[2] * d.box[3]), reverse=True):
        _, _, w, h = detection.box
        if not any(
            overlap_area(detection.box, other.box) > limit * min(w * h, other.box[2] * other.box[3]) for other in kept
        ):
            kept.append(detection)
    return kept


def overlap_area(a, b) -> int:
    """The area two boxes (x, y, w, h) share, in pixels."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return max(0, min(ax + aw, bx + bw) - max(ax, bx)) * max(0, min(ay + ah, by + bh) - max(ay, by))


def centre_inside(box, area) -> bool:
    """Whether the centre of ``box`` lies inside ``area`` (both x, y, w, h): the same face."""
    x, y, w, h = area
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return x <= cx <= x + w and y <= cy <= y + h


def window(grey: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """The frame's region x0:x1, y0:y1, its edge pixels repeated where it reaches past the frame.

    A face at the frame's edge needs its whole search window: cut short there, the cascade
    misses a face that stands fully in view (on the loop's scenes, people walking in from the
    side went unseen for 2-4 frames) and a crop loses the face's framing."""
    height, width = grey.shape[:2]
    if 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height:
        return grey[y0:y1, x0:x1]
    rows = np.clip(np.arange(y0, max(y1, y0 + 1)), 0, height - 1)
    columns = np.clip(np.arange(x0, max(x1, x0 + 1)), 0, width - 1)
    return grey[np.ix_(rows, columns)]


def make_detector(settings: DetectorSettings) -> FaceDetector:
    if settings.detector == "yunet":
        return YuNetDetector(settings)
    if settings.detector == "haar":
        return HaarDetector(settings)
    raise DataError(f"Unknown face detector {settings.detector!r}; use 'haar' or 'yunet'.")


def _shrink(grey: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    if grey.shape[1] <= width:
        return grey, 1.0
    scale = width / grey.shape[1]
    return cv2.resize(grey, (width, round(grey.shape[0] * scale)), interpolation=cv2.INTER_AREA), scale


def _scale_box(box, scale: float) -> tuple[int, int, int, int]:
    x, y, w, h = (float(v) / scale for v in box)
    return round(x), round(y), round(w), round(h)
