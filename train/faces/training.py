"""Fit the LBPH face model: a bounded gallery of distinct crops and a calibrated stranger threshold."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.errors import DataError
from edgecam.edge.faces.crop import PROBE_VARIANTS
from edgecam.edge.faces.model_file import RelativeRule, Threshold
from edgecam.train.faces import calibration as face_calibration


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
    reject_target: float = 0.9,
    queries: dict[str, list[list[np.ndarray]]] | None = None,
) -> FittedFaces:
    """``samples``: person -> one list of crop variants per image, the plain crop first.
    ``queries``: person -> one camera-like face per image, same order, as a list of crop variants;
    the threshold is calibrated on them when given, else on the plain crops. Queries seen through
    the still's probes (FaceCropper.probes) calibrate the loop on their first PROBE_VARIANTS crops and
    stills on all of them (``threshold["relative"]["still"]``)."""
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

    def calibrate(distances: np.ndarray) -> Threshold:
        # ``distances``: from each image's query to every gallery crop, in the gallery's order.
        pairs = (distances, labels[plain], sources[plain], labels[keep], sources[keep])
        genuine, impostor = face_calibration.genuine_and_impostor(*pairs)
        if len(genuine) == 0:
            raise DataError(
                "Every person has a single usable image; at least two per person are needed "
                "to calibrate the unknown threshold."
            )
        threshold = Threshold(**face_calibration.choose_threshold(genuine, impostor, reject_target))
        relative = face_calibration.choose_relative_threshold(
            *face_calibration.relative_genuine_and_impostor(*pairs), reject_target
        )
        threshold.relative = RelativeRule(**relative, distance_cap=threshold.impostor_percentiles[50])
        return threshold

    threshold = photos = calibrate(face_calibration.predicted_distances(gallery, [crops[i] for i in plain]))
    if queries:
        counts = {len(variants) for name in names for variants in queries[name]}
        if len(counts) != 1:
            raise ValueError("every calibration query needs the same number of variants")
        views = counts.pop()
        distances = face_calibration.predicted_distances(
            gallery, [crop for name in names for variants in queries[name] for crop in variants]
        )
        # A query seen through several variants is as near a gallery crop as its nearest variant.
        distances = distances.reshape(len(plain), views, -1)
        threshold = calibrate(distances[:, :PROBE_VARIANTS].min(axis=1))
        loop, photo_rule = _relative(threshold), _relative(photos)
        # Kept so that recalibrating from the model alone (after enrolment) lands on the camera's scale.
        threshold.camera_factor = threshold.distance / photos.distance
        loop.camera_factor = loop.value / photo_rule.value
        loop.probes = min(views, PROBE_VARIANTS)
        if views > PROBE_VARIANTS:
            loop.still = still_rule(calibrate(distances.min(axis=1)), photos, threshold, views)
    kept = {name: int((labels[keep] == label).sum()) for label, name in enumerate(names)}
    return FittedFaces(gallery, names, kept, threshold)


def still_rule(still: Threshold, photos: Threshold, loop: Threshold, probes: int) -> RelativeRule:
    """The relative rule for stills, calibrated through their ``probes`` crops, with the factors
    that carry it over to a recalibration from the model alone."""
    rule = _relative(still).model_copy(update={"probes": probes})
    rule.camera_factor = rule.value / _relative(photos).value
    rule.distance_cap = still.impostor_percentiles[50]
    rule.cap_factor = rule.distance_cap / (_relative(loop).distance_cap or rule.distance_cap)
    return rule


def recalibrate(lbph, previous: Threshold, reject_target: float = 0.9) -> Threshold:
    """Calibrate from a trained model alone (its histograms and labels), e.g. after update(),
    on the scale ``previous`` (the model's rule before) was calibrated on.

    The model does not know which crops came from the same image, so the genuine figures
    are optimistic; the threshold itself depends on strangers' distances only. Photos sit
    closer together than camera frames, so the distance is scaled by the camera factor the
    model's training measured between the two; the relative rule likewise, and only for models
    trained with it; the stills' rule by its own factor. A distance the user chose stays, with
    the fresh calibration kept beside it."""
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
        genuine, impostor = face_calibration.relative_genuine_and_impostor(*pairs)

        def rule_at(scale: float) -> RelativeRule:
            return RelativeRule(
                **face_calibration.choose_relative_threshold(genuine * scale, impostor * scale, reject_target)
            )

        relative = rule_at(old.camera_factor)
        relative.camera_factor = old.camera_factor
        relative.distance_cap = threshold.impostor_percentiles[50]
        if old.still is not None:
            still = rule_at(old.still.camera_factor)
            cap_factor = old.still.cap_factor or 1.0
            still.probes, still.camera_factor, still.cap_factor = old.still.probes, old.still.camera_factor, cap_factor
            still.distance_cap = relative.distance_cap * cap_factor
            relative.still = still
        threshold.relative = relative
    if previous.calibrated_distance is not None:
        threshold.calibrated_distance, threshold.distance = threshold.distance, previous.distance
    return threshold


def _relative(threshold: Threshold) -> RelativeRule:
    assert threshold.relative is not None  # every rule this module calibrates has one
    return threshold.relative
