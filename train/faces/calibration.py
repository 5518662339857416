"""LBPH distances computed in bulk, and the unknown threshold learnt from them.

OpenCV's LBPH compares histograms with the alternative chi-square distance
(HISTCMP_CHISQR_ALT). Computing it for all pairs at once lets training pick
the most distinct gallery images and calibrate the stranger threshold without
training one model per held-out image; LBPH's own predict gives the distances of
many new crops to a gallery faster still.
"""

from __future__ import annotations

import numpy as np

from edgecam.edge.faces.decision import RIVALS, gallery_distances, relative_distances
from edgecam.edge.faces.model_file import QualityRule
from edgecam.edge.faces.quality import FEATURES


def histograms(lbph) -> np.ndarray:
    """The trained model's histograms, one row per training crop, in training order."""
    return np.vstack([h.reshape(1, -1) for h in lbph.getHistograms()]).astype(np.float64)


def chi_square_alt(rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Distances between every row and every other row: sum 2 (a - b)^2 / (a + b)."""
    out = np.empty((len(rows), len(others)))
    chunk = max(1, int(2e7 // max(1, others.size)))  # keeps the temporary arrays near 160 MB
    for start in range(0, len(rows), chunk):
        a = rows[start : start + chunk, None, :]
        b = others[None, :, :]
        total = a + b
        diff = (a - b) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start : start + chunk] = 2 * np.where(total > 0, diff / total, 0).sum(axis=2)
    return out


def predicted_distances(lbph, crops: list[np.ndarray]) -> np.ndarray:
    """Distances from each crop to every crop ``lbph`` was trained on, in training order: what its
    predict computes. Many new crops against a gallery go ten times faster this way than through
    their histograms and chi_square_alt, since LBPH compares in C++."""
    return np.vstack([gallery_distances(lbph, crop)[1] for crop in crops])


def most_distinct(distances: np.ndarray, count: int) -> list[int]:
    """Farthest-point choice of ``count`` items: start at the medoid, then keep adding
    the item farthest from those already chosen (near-duplicate frames go last)."""
    if len(distances) <= count:
        return list(range(len(distances)))
    chosen = [int(distances.sum(axis=1).argmin())]
    nearest = distances[chosen[0]].copy()
    while len(chosen) < count:
        pick = int(nearest.argmax())
        chosen.append(pick)
        nearest = np.minimum(nearest, distances[pick])
    return sorted(chosen)


def genuine_and_impostor(
    distances: np.ndarray,
    query_labels: np.ndarray,
    query_sources: np.ndarray,
    gallery_labels: np.ndarray,
    gallery_sources: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each query crop (rows of ``distances``, gallery crops in columns): the distance to
    its own person's nearest crop from another image (as a known face would see it), and to
    the nearest crop of anyone else (as it would look if its person were a stranger).
    Crops made from the same image (mirror, shifts) do not count as the person's other images."""
    same_person = query_labels[:, None] == gallery_labels[None, :]
    same_image = query_sources[:, None] == gallery_sources[None, :]
    own = np.where(same_person & ~same_image, distances, np.inf).min(axis=1)
    other = np.where(~same_person, distances, np.inf).min(axis=1)
    return own[np.isfinite(own)], other[np.isfinite(other)]


def choose_threshold(genuine: np.ndarray, impostor: np.ndarray, reject_target: float) -> dict:
    """The largest distance that still rejects ``reject_target`` of the calibration strangers:
    known faces are accepted as often as that promise allows."""
    threshold = float(np.percentile(impostor, (1 - reject_target) * 100))
    return {
        "distance": threshold,
        "rule": f"{reject_target:.0%} of calibration strangers rejected",
        "spread": float(max(np.median(impostor) - np.median(genuine), 1e-6) / 4),
        "calibration_known_accepted": float((genuine <= threshold).mean()),
        "calibration_strangers_rejected": float((impostor > threshold).mean()),
        "genuine_percentiles": {p: float(np.percentile(genuine, p)) for p in (10, 50, 90)},
        "impostor_percentiles": {p: float(np.percentile(impostor, p)) for p in (10, 50, 90)},
        "pairs": {"genuine": len(genuine), "impostor": len(impostor)},
    }


def relative_genuine_and_impostor(
    distances: np.ndarray,
    query_labels: np.ndarray,
    query_sources: np.ndarray,
    gallery_labels: np.ndarray,
    gallery_sources: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As ``genuine_and_impostor``, for the score the recogniser decides on: the nearest person's
    distance over the runners-up's (edgecam.edge.faces.decision). A query as a stranger is scored against
    everyone but its own person. Also: which queries have a genuine score (their person has
    another image in the gallery), the genuine scores' rows."""
    people = np.unique(gallery_labels)
    same_image = query_sources[:, None] == gallery_sources[None, :]
    minima = np.column_stack(
        [
            np.where(same_image[:, gallery_labels == person], np.inf, distances[:, gallery_labels == person]).min(
                axis=1
            )
            for person in people
        ]
    )
    own_column = query_labels[:, None] == people[None, :]
    own = np.where(own_column, minima, np.inf).min(axis=1)
    others = np.sort(np.where(own_column, np.inf, minima), axis=1)[:, :-1]  # own column sorted last, dropped
    usable = np.isfinite(own)
    genuine = relative_distances(own[usable], others[usable])
    impostor = relative_distances(others[:, 0], others[:, 1:])
    return genuine, impostor, usable


def quality_rule(genuine: np.ndarray, features: np.ndarray) -> QualityRule:
    """The genuine score expected at each quality (a least-squares line through the calibration
    queries' quality measures) and the spread of genuine scores about it."""
    design = np.column_stack([np.ones(len(features)), features])
    coefficients, *_ = np.linalg.lstsq(design, genuine, rcond=None)
    spread = float(np.std(genuine - design @ coefficients))
    low, high = np.percentile(features, 1, axis=0), np.percentile(features, 99, axis=0)
    return QualityRule(
        features=list(FEATURES),
        genuine=[float(c) for c in coefficients],
        spread=spread,
        low=[float(v) for v in low],
        high=[float(v) for v in high],
    )


def choose_relative_threshold(genuine: np.ndarray, impostor: np.ndarray, reject_target: float) -> dict:
    """The largest relative distance that still rejects ``reject_target`` of the calibration strangers."""
    value = float(np.percentile(impostor, (1 - reject_target) * 100))
    return {
        "value": value,
        "rule": f"nearest person / mean of the next {RIVALS}; {reject_target:.0%} of calibration strangers rejected",
        "rivals": RIVALS,
        "spread": float(max(np.median(impostor) - np.median(genuine), 1e-6) / 4),
        "calibration_known_accepted": float((genuine <= value).mean()),
        "calibration_strangers_rejected": float((impostor > value).mean()),
    }
