"""The face model on disk: ``faces.yml`` (OpenCV's LBPH file) and ``faces.json``, its typed metadata.

``faces.json`` holds what the LBPH file alone cannot say: the names, how crops were made,
which detector found them, and the calibrated rule that turns a distance into "unknown".
This module is the one place that reads and writes the pair; ``StrangerRule`` is the one
place that decides, from the stored rule, whether a face is someone we know.

Older models load as they are: a model from before the ratio rule has no ``relative``, one
from before stills had their own limit has no ``relative.still``, one from before the
distance cap has no ``distance_cap``. Each is a field with a default, not a special case.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from edgecam.edge import atomic
from edgecam.edge.errors import DataError, MissingInput
from edgecam.edge.faces.crop import CropSettings
from edgecam.edge.faces.detect import DetectorSettings

MODEL_FILE, META_FILE = "faces.yml", "faces.json"
# 2: alt2 cascade without equalisation, LBPH radius 2, shrunk crops, camera-calibrated threshold.
# A /1 model's gallery was framed by another detector: mixing the two would misname people.
FORMAT = "edgecam-faces/2"
PRIVATE = 0o600  # face models identify people: readable by their owner only


class _Stored(BaseModel):
    # Keys a later edgecam adds are kept when an older one rewrites the file (enrolment).
    model_config = ConfigDict(extra="allow")


# The measure that loses what tells people apart, past the range calibration saw: a face more
# clipped than 99 % of calibration crops is too poor to name, whatever the fitted line says
# (clipping even sharpens edges, and the line reads that as better). On the calibration family the
# most clipped 2 % of crops had 45 % of known faces named and 75 % of strangers rejected, against
# 87 % and 97 % for all; the least resolved and the most blocky 2 % kept their strangers out (95 %,
# 100 %), so neither is a reason on its own.
INFORMATION_LOST_ABOVE = ("clipping",)


class QualityRule(_Stored):
    """How well a known face's score holds up at a crop's quality (faces.quality), learnt on the
    calibration family: the genuine score expected from the quality measures (a linear fit), and
    its spread. A crop whose expected score lies so near the limit that a known face would more
    likely fail than pass (chance of being named below ``floor``) is too poor to tell people apart."""

    features: list[str]
    genuine: list[float]  # intercept, then one coefficient per feature
    spread: float
    floor: float = 0.5
    # The range of each feature calibration saw (1st-99th percentile): a line fitted there says
    # nothing beyond it, so a crop's features are held inside it (a JPEG's block edges are not
    # a WebP's, and a straight line would extrapolate them into a verdict).
    low: list[float]
    high: list[float]

    @field_validator("genuine", "low", "high")
    @classmethod
    def _finite(cls, values: list[float]) -> list[float]:
        if not all(math.isfinite(v) for v in values):
            raise ValueError("must be finite numbers")
        return values

    @model_validator(mode="after")
    def _one_entry_per_feature(self) -> QualityRule:
        if not len(self.genuine) - 1 == len(self.low) == len(self.high) == len(self.features):
            raise ValueError("genuine, low and high must have one entry per feature (genuine one more)")
        return self


class RelativeRule(_Stored):
    """Known when the nearest person's distance over the next ``rivals`` people's is at most
    ``value`` and the distance itself at most ``distance_cap`` (faces.decision)."""

    value: float
    rule: str = ""
    rivals: int = 5
    spread: float = 0.01
    calibration_known_accepted: float | None = None
    calibration_strangers_rejected: float | None = None
    distance_cap: float | None = None  # None: no cap (models from before it)
    camera_factor: float = 1.0  # camera-like over photo-only calibration, kept for recalibration
    probes: int | None = None  # the crops a face is seen through when this rule was calibrated
    cap_factor: float | None = None  # stills: their cap over the loop's
    still: RelativeRule | None = None  # stills' own rule, calibrated through their twelve crops
    quality: QualityRule | None = None  # None: a model from before crops had a quality


class Threshold(_Stored):
    """The raw LBPH distance rule, and the ratio rule beside it when the model was calibrated for it."""

    distance: float
    rule: str = ""
    spread: float | None = None
    calibration_known_accepted: float | None = None
    calibration_strangers_rejected: float | None = None
    genuine_percentiles: dict[int, float] = {}
    impostor_percentiles: dict[int, float] = {}
    pairs: dict[str, int] = {}
    camera_factor: float = 1.0
    relative: RelativeRule | None = None
    reject_target: float | None = None  # the share of calibration strangers rejected, as asked at training
    # Set when the user chose ``distance`` at training: the calibrated one it replaced.
    calibrated_distance: float | None = None


class PersonCount(_Stored):
    images: int = 0
    kept: int = 0


# The numbers a detector's and a crop's settings may take: outside them a model cannot work
# (a detection width of 0, a crop 0 px wide), and it is refused at load, not at the first face.
DETECTOR_RANGES = {
    "detect_width": (32, 4096),
    "track_width": (32, 4096),
    "scale_factor": (1.01, 2.0),
    "track_scale_factor": (1.01, 2.0),
    "min_neighbors": (0, 100),
    "track_min_neighbors": (0, 100),
    "min_face": (4, 4096),
    "track_min_face": (4, 4096),
    "score_threshold": (0.0, 1.0),
}
CROP_RANGES = {
    "width": (8, 512),
    "height": (8, 512),
    "shrink": (0.0, 0.45),
    "clahe_clip": (0.0, 40.0),
    "clahe_grid": (1, 64),
    "blur": (0, 31),
}


def _settings_within(values: dict[str, Any], settings: type, ranges: dict[str, tuple[float, float]]) -> dict:
    """``values`` as ``settings`` (a dataclass) would take them, each number within its range."""
    defaults = asdict(settings())
    for key, value in values.items():
        if key not in defaults:
            raise ValueError(f"'{key}' is not a setting edgecam knows")
        if key in ranges:
            low, high = ranges[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise ValueError(f"'{key}' must be a number from {low} to {high}, not {value!r}")
            if isinstance(defaults[key], int) and not isinstance(value, int):  # a count or a size in pixels
                raise ValueError(f"'{key}' must be a whole number, not {value!r}")
    return values


class FaceModelMeta(_Stored):
    format: Literal["edgecam-faces/2"]
    names: dict[int, str]  # LBPH label -> person
    crop: dict[str, Any]  # CropSettings
    lbph: dict[str, Any] = {}
    detector: dict[str, Any]  # DetectorSettings
    threshold: Threshold
    max_per_person: int | None = None
    people: dict[str, PersonCount] = {}
    skipped: list[dict[str, Any]] = []
    whole_image_crops: int = 0
    opencv: str = ""
    created: str = ""
    seconds: float | None = None

    @field_validator("detector")
    @classmethod
    def _detector(cls, detector: dict[str, Any]) -> dict[str, Any]:
        if detector.get("detector", "haar") not in ("haar", "yunet"):
            raise ValueError(f"'detector' must be 'haar' or 'yunet', not {detector.get('detector')!r}")
        for key in ("cascade", "yunet_model"):
            if detector.get(key) is not None and not isinstance(detector[key], str):
                raise ValueError(f"'{key}' must be a file name")
        return _settings_within(detector, DetectorSettings, DETECTOR_RANGES)

    @field_validator("crop")
    @classmethod
    def _crop(cls, crop: dict[str, Any]) -> dict[str, Any]:
        return _settings_within(crop, CropSettings, CROP_RANGES)

    @field_validator("names")
    @classmethod
    def _names(cls, names: dict[int, str]) -> dict[int, str]:
        if not names or any(not name.strip() for name in names.values()):
            raise ValueError("must name every person the model knows")
        return names


@dataclass(frozen=True)
class StrangerRule:
    """The decision a recogniser applies: known or "unknown", and how sure."""

    relative: bool  # the ratio rule (faces.decision); False: the raw distance alone
    limit: float
    spread: float
    cap: float = math.inf
    still: bool = False  # the stills' own rule, calibrated through their crops
    quality: QualityRule | None = None

    @classmethod
    def of(cls, threshold: Threshold, user_distance: float | None = None, still: bool = False) -> StrangerRule:
        """The rule to apply: a distance the user chose (now, or at training) decides alone;
        else the ratio rule (the stills' own for a still, when the model has one)."""
        chosen = user_distance if user_distance is not None else threshold.distance
        relative = (
            None if user_distance is not None or threshold.calibrated_distance is not None else threshold.relative
        )
        if relative is None:
            spread = threshold.spread if threshold.spread is not None else chosen * 0.1
            return cls(False, float(chosen), float(spread) or 1.0)
        use_still = bool(still and relative.still)
        rule = relative.still if use_still and relative.still else relative
        cap = math.inf if rule.distance_cap is None else float(rule.distance_cap)
        return cls(True, float(rule.value), float(rule.spread) or 0.01, cap, use_still, rule.quality)

    def known(self, score: float, distance: float) -> bool:
        return score <= self.limit and distance <= self.cap

    def named_chance(self, features) -> float:
        """The chance a known face at this quality (faces.quality.Quality.features) is named: 1 for a
        model without a quality rule."""
        q = self.quality
        if q is None or len(features) != len(q.features):  # measured otherwise than this edgecam measures
            return 1.0
        for name, f, high in zip(q.features, features, q.high, strict=True):
            if name in INFORMATION_LOST_ABOVE and f > high:
                return 0.0
        features = [min(max(f, low), high) for f, low, high in zip(features, q.low, q.high, strict=True)]
        expected = q.genuine[0] + sum(c * f for c, f in zip(q.genuine[1:], features, strict=True))
        return 0.5 * math.erfc((expected - self.limit) / (max(q.spread, 1e-6) * math.sqrt(2)))

    def usable(self, chance: float) -> bool:
        return self.quality is None or chance >= self.quality.floor

    def confidence(self, score: float) -> float:
        """Grows with the score's distance from the limit, scaled by how far apart genuine and
        stranger scores lay when the model was calibrated; 0.5 at the limit."""
        return 1 / (1 + math.exp(-abs(self.limit - score) / self.spread))


def read_metadata(model_dir: Path) -> FaceModelMeta:
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
        raw = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{meta_path} is not valid JSON ({error}).") from error
    except RecursionError:
        raise DataError(f"{meta_path} is damaged (nested too deep); train the model again.") from None
    found = raw.get("format") if isinstance(raw, dict) else None
    if found == "edgecam-faces/1":
        raise DataError(
            f"{model_dir} was trained by an older edgecam that framed faces differently; retrain it "
            f"with 'edgecam train faces DATASET --out {model_dir}'."
        )
    if found != FORMAT:
        raise DataError(f"{meta_path} is not an edgecam faces file (format {found!r}).")
    try:
        return FaceModelMeta.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        why = first["msg"].removeprefix("Value error, ")
        raise DataError(f"{meta_path} is damaged ({where}: {why[:200]}); train the model again.") from None
    except RecursionError:
        raise DataError(f"{meta_path} is damaged (nested too deep); train the model again.") from None


def load_lbph(model_path: Path):
    recognizer = cv2.face.LBPHFaceRecognizer_create()  # type: ignore[attr-defined]  # cv2.face: not in the stubs
    try:
        recognizer.read(str(model_path))
    except cv2.error as error:
        raise DataError(f"{model_path} is not an LBPH model OpenCV can read.") from error
    if recognizer.empty():
        raise DataError(f"{model_path} holds an empty LBPH model.")
    return recognizer


def save(out: Path, lbph, meta: FaceModelMeta) -> None:
    """The model first, then its companion file, each atomically and private to the owner."""
    out.mkdir(parents=True, exist_ok=True)
    with atomic.atomic_path(out / MODEL_FILE, PRIVATE) as tmp:
        lbph.write(str(tmp))
    # Unset optional rules (no still rule, no user distance) are left out, as older files left them out.
    text = json.dumps(meta.model_dump(mode="json", exclude_none=True), indent=2, ensure_ascii=False) + "\n"
    atomic.write_text(out / META_FILE, text, PRIVATE)
