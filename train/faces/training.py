"""Fit the LBPH face model: a bounded gallery of distinct crops and a calibrated stranger threshold."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.errors import DataError
from edgecam.edge.faces.crop import PROBE_VARIANTS
from edgecam.edge.faces.model_file import RelativeRule, Threshold
from edgecam.train.faces import calibration as face_calibration
from edgecam.train.faces.camera import CameraProbe

# The share of calibration strangers the limit rejects (``edgecam train faces --reject``). At 0.9,
# camera effects calibration never saw let one stranger in seven through; at 0.97 calibration
# rejected 96.8 % of strangers of people it had not seen and accepted 86 % of known faces
# (two-fold by person), against 94.2 % and 88.2 % at 0.95 (docs/faces.md).
REJECT_TARGET = 0.97


@dataclass
class LbphParams:
    # Chosen by measurement on the face benchmark's tuning scenes (tests/face_scenes.py): radius 2,
    # 8 neighbours, a 4x4 grid on 64x64 crops (16x16-pixel cells fill their 256-bin histograms; 8x8
    # cells do not). With the threshold set where 90 % of the scenes' strangers were rejected (a
    # measure of separation, not the calibrated threshold), radius 2 named 95.8 % of known faces and
    # radius 1 91.4 %: its codes span the blur and resampling of a camera that radius 1 sees as noise.
    radius: int = 2
    neighbors: int = 8
    grid_x: int = 4
    grid_y: int = 4

    def create(self):
        return cv2.face.LBPHFaceRecognizer_create(  # type: ignore[attr-defined]  # cv2.face: not in OpenCV's stubs
            self.radius, self.neighbors, self.grid_x, self.grid_y
        )

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class FittedFaces:
    lbph: object
    names: list[str]  # label -> name
    kept: dict[str, int]  # person -> crops kept in the gallery
    threshold: Threshold


def fit(
    samples: dict[str, list[list[np.ndarray]]],
    params: LbphParams,
    max_per_person: int,
    reject_target: float = REJECT_TARGET,
    queries: dict[str, list[list[CameraProbe]]] | None = None,
) -> FittedFaces:
    """``samples``: person -> one list of crop variants per image, the plain crop first.
    ``queries``: person -> camera-like faces of each image, same order (train.faces.camera); the
    limit and the quality rule are calibrated on them when given, else on the plain crops. Queries
    are seen through the still's probes (FaceCropper.probes): the loop is calibrated on their first
    PROBE_VARIANTS crops and stills on all of them (``threshold["relative"]["still"]``)."""
    if len(samples) < 2:
        raise DataError(
            f"Face training needs at least two people to learn what a stranger looks like; "
            f"found {len(samples)} ({', '.join(samples) or 'none'})."
        )
    names = sorted(samples)
    crops: list[np.ndarray] = []
    crop_labels: list[int] = []
    crop_sources: list[int] = []
    first_crops: list[int] = []
    for label, name in enumerate(names):
        for variants in samples[name]:
            first_crops.append(len(crops))
            crops += variants
            crop_labels += [label] * len(variants)
            crop_sources += [len(first_crops)] * len(variants)
    labels, sources = np.array(crop_labels, dtype=np.int32), np.array(crop_sources)
    plain = np.array(first_crops)

    everything = params.create()
    everything.train(crops, labels)
    hist = face_calibration.histograms(everything)
    kept_crops: list[int] = []
    for label in range(len(names)):
        members = np.flatnonzero(labels == label)
        member_hist = hist[members]
        chosen = face_calibration.most_distinct(
            face_calibration.chi_square_alt(member_hist, member_hist), max_per_person
        )
        kept_crops.extend(members[chosen])
    keep = np.array(sorted(kept_crops))

    if len(keep) == len(crops):
        gallery = everything
    else:
        gallery = params.create()
        gallery.train([crops[i] for i in keep], labels[keep])

    def calibrate(
        distances: np.ndarray, query_labels: np.ndarray, query_sources: np.ndarray, features: np.ndarray | None = None
    ) -> Threshold:
        # ``distances``: from each query to every gallery crop, in the gallery's order.
        pairs = (distances, query_labels, query_sources, labels[keep], sources[keep])
        genuine, impostor = face_calibration.genuine_and_impostor(*pairs)
        if len(genuine) == 0:
            raise DataError(
                "Every person has a single usable image; at least two per person are needed "
                "to calibrate the unknown threshold."
            )
        threshold = Threshold(**face_calibration.choose_threshold(genuine, impostor, reject_target))
        relative_genuine, relative_impostor, usable = face_calibration.relative_genuine_and_impostor(*pairs)
        relative = face_calibration.choose_relative_threshold(relative_genuine, relative_impostor, reject_target)
        threshold.relative = RelativeRule(**relative, distance_cap=threshold.impostor_percentiles[50])
        if features is not None:
            threshold.relative.quality = face_calibration.quality_rule(relative_genuine, features[usable])
        return threshold

    photo_distances = face_calibration.predicted_distances(gallery, [crops[i] for i in plain])
    threshold = photos = calibrate(photo_distances, labels[plain], sources[plain])
    if queries:
        asked = list(_queries(names, queries))
        counts = {len(probe.crops) for _, _, probe in asked}
        if len(counts) != 1:
            raise ValueError("every calibration query needs the same number of variants")
        views = counts.pop()
        query_labels = np.array([label for label, _, _ in asked])
        query_sources = sources[plain][np.array([image for _, image, _ in asked])]
        features = np.vstack([probe.features for _, _, probe in asked])
        distances = face_calibration.predicted_distances(
            gallery, [crop for _, _, probe in asked for crop in probe.crops]
        )
        # A query seen through several variants is as near a gallery crop as its nearest variant.
        distances = distances.reshape(len(asked), views, -1)
        threshold = calibrate(distances[:, :PROBE_VARIANTS].min(axis=1), query_labels, query_sources, features)
        loop, photo_rule = _relative(threshold), _relative(photos)
        # Kept so that recalibrating from the model alone (after enrolment) lands on the camera's scale.
        threshold.camera_factor = threshold.distance / photos.distance
        loop.camera_factor = loop.value / photo_rule.value
        loop.probes = min(views, PROBE_VARIANTS)
        if views > PROBE_VARIANTS:
            still = calibrate(distances.min(axis=1), query_labels, query_sources, features)
            loop.still = still_rule(still, photos, threshold, views)
    threshold.reject_target = reject_target
    kept = {name: int((labels[keep] == label).sum()) for label, name in enumerate(names)}
    return FittedFaces(gallery, names, kept, threshold)


def _queries(names: list[str], queries: dict[str, list[list[CameraProbe]]]):
    """(label, image number across everyone, query) for every calibration query, in training order."""
    image = 0
    for label, name in enumerate(names):
        for probes in queries[name]:
            for probe in probes:
                yield label, image, probe
            image += 1


def still_rule(still: Threshold, photos: Threshold, loop: Threshold, probes: int) -> RelativeRule:
    """The relative rule for stills, calibrated through their ``probes`` crops, with the factors
    that carry it over to a recalibration from the model alone."""
    rule = _relative(still).model_copy(update={"probes": probes})
    rule.camera_factor = rule.value / _relative(photos).value
    rule.distance_cap = still.impostor_percentiles[50]
    rule.cap_factor = rule.distance_cap / (_relative(loop).distance_cap or rule.distance_cap)
    return rule


def recalibrate(lbph, previous: Threshold, reject_target: float | None = None) -> Threshold:
    """Calibrate from a trained model alone (its histograms and labels), e.g. after update(),
    on the scale ``previous`` (the model's rule before) was calibrated on.

    The model does not know which crops came from the same image, so the genuine figures
    are optimistic; the threshold itself depends on strangers' distances only. Photos sit
    closer together than camera frames, so the distance is scaled by the camera factor the
    model's training measured between the two; the relative rule likewise, and only for models
    trained with it; the stills' rule by its own factor. A distance the user chose stays, with
    the fresh calibration kept beside it."""
    reject_target = reject_target or previous.reject_target or REJECT_TARGET
    hist = face_calibration.histograms(lbph)
    labels = np.asarray(lbph.getLabels()).ravel()
    sources = np.arange(len(labels))
    pairs = (face_calibration.chi_square_alt(hist, hist), labels, sources, labels, sources)
    genuine, impostor = face_calibration.genuine_and_impostor(*pairs)
    factor = previous.camera_factor
    threshold = Threshold(**face_calibration.choose_threshold(genuine * factor, impostor * factor, reject_target))
    threshold.camera_factor = factor
    old = previous.relative
    if old is not None:
        genuine, impostor, _ = face_calibration.relative_genuine_and_impostor(*pairs)

        def rule_at(scale: float) -> RelativeRule:
            return RelativeRule(
                **face_calibration.choose_relative_threshold(genuine * scale, impostor * scale, reject_target)
            )

        relative = rule_at(old.camera_factor)
        relative.camera_factor, relative.quality = old.camera_factor, old.quality
        relative.distance_cap = threshold.impostor_percentiles[50]
        if old.still is not None:
            still = rule_at(old.still.camera_factor)
            cap_factor = old.still.cap_factor or 1.0
            still.probes, still.camera_factor, still.cap_factor = old.still.probes, old.still.camera_factor, cap_factor
            still.quality = old.still.quality
            still.distance_cap = relative.distance_cap * cap_factor
            relative.still = still
        threshold.relative = relative
    if previous.calibrated_distance is not None:
        threshold.calibrated_distance, threshold.distance = threshold.distance, previous.distance
    threshold.reject_target = reject_target
    return threshold


def _relative(threshold: Threshold) -> RelativeRule:
    assert threshold.relative is not None  # every rule this module calibrates has one
    return threshold.relative
