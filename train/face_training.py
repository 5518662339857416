"""Fit the LBPH face model: a bounded gallery of distinct crops and a calibrated stranger threshold."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.errors import DataError
from train import face_calibration


@dataclass
class LbphParams:
    # Chosen by measurement on ORL in camera-like frames (see README): radius 1, 8 neighbours,
    # a 4x4 grid on 64x64 crops (16x16-pixel cells fill their 256-bin histograms; 8x8 cells do not).
    radius: int = 1
    neighbors: int = 8
    grid_x: int = 4
    grid_y: int = 4

    def create(self):
        return cv2.face.LBPHFaceRecognizer_create(self.radius, self.neighbors, self.grid_x, self.grid_y)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class FittedFaces:
    lbph: object
    names: list[str]  # label -> name
    kept: dict[str, int]  # person -> crops kept in the gallery
    threshold: dict


def fit(samples: dict[str, list[list[np.ndarray]]], params: LbphParams, max_per_person: int,
        reject_target: float = 0.9) -> FittedFaces:
    """``samples``: person -> one list of crop variants per image, the plain crop first."""
    if len(samples) < 2:
        raise DataError(f"Face training needs at least two people to learn what a stranger looks like; "
                        f"found {len(samples)} ({', '.join(samples) or 'none'}).")
    names = sorted(samples)
    crops, labels, sources, plain = [], [], [], []
    for label, name in enumerate(names):
        for variants in samples[name]:
            plain.append(len(crops))
            crops += variants
            labels += [label] * len(variants)
            sources += [len(plain)] * len(variants)
    labels, sources, plain = np.array(labels, dtype=np.int32), np.array(sources), np.array(plain)

    everything = params.create()
    everything.train(crops, labels)
    hist = face_calibration.histograms(everything)
    keep = []
    for label in range(len(names)):
        members = np.flatnonzero(labels == label)
        member_hist = hist[members]
        chosen = face_calibration.most_distinct(face_calibration.chi_square_alt(member_hist, member_hist), max_per_person)
        keep.extend(members[chosen])
    keep = np.array(sorted(keep))

    distances = face_calibration.chi_square_alt(hist[plain], hist[keep])
    genuine, impostor = face_calibration.genuine_and_impostor(
        distances, labels[plain], sources[plain], labels[keep], sources[keep])
    if len(genuine) == 0:
        raise DataError("Every person has a single usable image; at least two per person are needed "
                        "to calibrate the unknown threshold.")
    threshold = face_calibration.choose_threshold(genuine, impostor, reject_target)
    if len(keep) == len(crops):
        gallery = everything
    else:
        gallery = params.create()
        gallery.train([crops[i] for i in keep], labels[keep])
    kept = {name: int((labels[keep] == label).sum()) for label, name in enumerate(names)}
    return FittedFaces(gallery, names, kept, threshold)


def recalibrate(lbph, reject_target: float = 0.9) -> dict:
    """Calibrate from a trained model alone (its histograms and labels), e.g. after update().

    The model does not know which crops came from the same image, so the genuine figures
    are optimistic; the threshold itself depends on strangers' distances only."""
    hist = face_calibration.histograms(lbph)
    labels = np.asarray(lbph.getLabels()).ravel()
    sources = np.arange(len(labels))
    genuine, impostor = face_calibration.genuine_and_impostor(
        face_calibration.chi_square_alt(hist, hist), labels, sources, labels, sources)
    return face_calibration.choose_threshold(genuine, impostor, reject_target)
