"""Cross-validated face figures: closed-set accuracy and how well strangers are told apart.

Each fold leaves ``holdout`` people out entirely (they play the strangers) and
holds back a share of every enrolled person's crops as probes. The threshold is
calibrated on the fold's gallery alone, as it would be in the field.
"""

from __future__ import annotations

import time

import numpy as np

from edgecam.edge.faces.decision import nearest_per_person, relative_distance
from edgecam.edge.faces.recognizer import UNKNOWN
from edgecam.train.faces.training import LbphParams, fit


def evaluate(
    crops: dict[str, list[list[np.ndarray]]],
    params: LbphParams,
    max_per_person: int,
    holdout: int,
    probe_share: float = 0.2,
    folds: int = 5,
) -> dict:
    names = sorted(crops)
    holdout = max(1, min(holdout, len(names) - 2))
    folds = max(1, min(folds, len(names) // holdout))
    totals = {
        "known": 0,
        "named_right_closed": 0,
        "named_right_open": 0,
        "falsely_rejected": 0,
        "strangers": 0,
        "strangers_rejected": 0,
    }
    per_fold = []
    for fold in range(folds):
        strangers = names[fold * holdout : (fold + 1) * holdout]
        gallery, probes = {}, []
        for name in names:
            if name in strangers:
                continue
            every = max(2, round(1 / probe_share))
            items = crops[name]
            probe_index = set(range(every - 1, len(items), every)) if len(items) > 2 else set()
            gallery[name] = [c for i, c in enumerate(items) if i not in probe_index]
            probes += [(name, items[i][0]) for i in sorted(probe_index)]  # the plain crop, as a camera gives
        fitted = fit(gallery, params, max_per_person)
        assert fitted.threshold.relative is not None  # fit calibrates the ratio rule
        threshold = fitted.threshold.relative.value
        fold_counts = dict.fromkeys(totals, 0)
        for name, crop in probes:
            labels, distances = nearest_per_person(fitted.lbph, crop)
            right = fitted.names[labels[0]] == name
            known = relative_distance(distances) <= threshold
            fold_counts["known"] += 1
            fold_counts["named_right_closed"] += right
            fold_counts["named_right_open"] += right and known
            fold_counts["falsely_rejected"] += not known
        for name in strangers:
            for variants in crops[name]:
                _, distances = nearest_per_person(fitted.lbph, variants[0])
                fold_counts["strangers"] += 1
                fold_counts["strangers_rejected"] += relative_distance(distances) > threshold
        for key in totals:
            totals[key] += fold_counts[key]
        per_fold.append({"strangers": strangers, "threshold": round(threshold, 3), **fold_counts})

    known_probes, stranger_probes = max(1, totals["known"]), max(1, totals["strangers"])
    return {
        "people": len(names),
        "folds": folds,
        "holdout": holdout,
        "closed_set_accuracy": totals["named_right_closed"] / known_probes,
        "known_named_right": totals["named_right_open"] / known_probes,
        "known_falsely_rejected": totals["falsely_rejected"] / known_probes,
        "strangers_rejected": totals["strangers_rejected"] / stranger_probes,
        "probes": {"known": totals["known"], "strangers": totals["strangers"]},
        "per_fold": per_fold,
        "unknown_name": UNKNOWN,
    }


def predict_time_by_gallery(
    samples: dict[str, list[list[np.ndarray]]],
    params: LbphParams,
    sizes: tuple[int, ...] = (2, 5, 10, 20, 40, 80),
    probes: int = 50,
) -> list[dict]:
    """LBPH predict scans every stored histogram: milliseconds per face against gallery size."""
    crops = {name: [c for variants in items for c in variants] for name, items in samples.items()}
    names = sorted(crops)
    sample = [c for name in names for c in crops[name]][:probes]
    rows: list[dict] = []
    for size in sizes:
        gallery = {name: crops[name][:size] for name in names}
        if max(len(v) for v in gallery.values()) < size and rows:
            break
        images = [c for name in names for c in gallery[name]]
        labels = np.array([i for i, name in enumerate(names) for _ in gallery[name]], dtype=np.int32)
        lbph = params.create()
        lbph.train(images, labels)
        started = time.perf_counter()
        for crop in sample:
            lbph.predict(crop)
        rows.append(
            {
                "per_person": size,
                "gallery": len(images),
                "predict_ms": round((time.perf_counter() - started) * 1000 / len(sample), 3),
            }
        )
    return rows
