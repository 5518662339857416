"""Known or stranger: the nearest person's LBPH distance measured against the runners-up.

A raw LBPH distance grows with everything a camera does to a face (blur, noise,
resampling, the detector's framing) as much as with who the face is, so one fixed
distance threshold turns known people away on a soft camera and lets strangers in
on a sharp one. Dividing the nearest person's distance by the mean distance of
the next few people cancels most of that: a known face is much nearer its own
person than anyone else, a stranger is about equally far from everyone.

On the face benchmark's tuning scenes (tests/face_scenes.py, seeds 0 and 1), at
90 % of strangers rejected, this named 95.8-96.0 % of known faces against
95.0-96.1 % for the raw distance; at 95 % rejected, 94.4-95.4 % against
91.7-92.2 %: it holds its accuracy where the raw distance falls off.
"""

from __future__ import annotations

import cv2
import numpy as np

# Runners-up the nearest distance is divided by. On the tuning scenes 5 and 8 were best
# (95.8-96.3 % named at 90 % rejected), 2 and 29 worst (94.6-95.7 %).
RIVALS = 5


def gallery_distances(lbph, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels, distances) from ``crop`` to every crop ``lbph`` was trained on, in training order:
    what its predict compares before it keeps the nearest."""
    collector = cv2.face.StandardCollector_create()  # type: ignore[attr-defined]  # cv2.face (contrib) is absent from OpenCV's stubs
    lbph.predict_collect(crop, collector)
    results = np.asarray(collector.getResults(False), dtype=np.float64).reshape(-1, 2)
    return results[:, 0].astype(np.int64), results[:, 1]


def nearest_per_person(lbph, *crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels, distances): each enrolled person's nearest gallery crop to any of ``crops``
    (views of one face), nearest person first."""
    minima = np.full(0, np.inf)
    for crop in crops:
        labels, distances = gallery_distances(lbph, crop)
        if labels.max() >= len(minima):
            minima = np.concatenate([minima, np.full(labels.max() + 1 - len(minima), np.inf)])
        np.minimum.at(minima, labels, distances)
    people = np.flatnonzero(np.isfinite(minima))
    order = np.argsort(minima[people], kind="stable")
    return people[order], minima[people][order]


def relative_distances(nearest: np.ndarray, rivals: np.ndarray) -> np.ndarray:
    """``nearest`` (N) over the mean of the RIVALS smallest of each row of ``rivals`` (N x people),
    the other people's nearest distances. 1.0 when there is no one to compare with."""
    rivals = np.sort(np.atleast_2d(rivals), axis=1)[:, :RIVALS]
    if rivals.shape[1] == 0:
        return np.ones(len(np.atleast_1d(nearest)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(nearest, dtype=np.float64) / rivals.mean(axis=1)
    return np.nan_to_num(ratio, nan=1.0, posinf=1.0)


def relative_distance(distances: np.ndarray) -> float:
    """For one face: its nearest person's distance over the runners-up's (``distances`` sorted)."""
    return float(relative_distances(distances[:1], distances[None, 1:])[0])
