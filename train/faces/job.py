"""``edgecam train faces``: dataset -> crops -> LBPH gallery + threshold -> faces.yml and faces.json."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import cv2
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from edgecam.edge.faces.crop import CropSettings, FaceCropper
from edgecam.edge.faces.detect import DetectorSettings, make_detector
from edgecam.edge.faces.model_file import FORMAT, MODEL_FILE, FaceModelMeta, PersonCount, Threshold, save
from edgecam.train.faces.dataset import FaceSet, load_crops, person_folders
from edgecam.train.faces.training import REJECT_TARGET, FittedFaces, LbphParams, fit


def train_faces(
    dataset: Path,
    out: Path,
    detector: DetectorSettings,
    crop: CropSettings,
    params: LbphParams,
    max_per_person: int,
    threshold: float | None,
    console: Console,
    reject: float = REJECT_TARGET,
    on_image: Callable[[int, int], None] | None = None,
) -> FaceModelMeta:
    """``on_image(done, total)`` follows the photos read, for a caller with its own progress display."""
    started = time.perf_counter()
    faces = load_with_progress(dataset, detector, crop, console, on_image)
    fitted = fit(faces.crops, params, max_per_person, reject, queries=faces.queries)
    meta = metadata(fitted, faces, detector, crop, params, max_per_person, threshold)
    meta.seconds = round(time.perf_counter() - started, 2)
    save(out, fitted.lbph, meta)
    t = meta.threshold
    if len(fitted.names) < 3:
        console.print(
            "[yellow]With two people a face has one rival to be compared with: most strangers were "
            "named in a measurement (docs/benchmarks.md). Add a third person before trusting 'unknown'.[/]"
        )
    console.print(
        f"[green]Trained {len(fitted.names)} people[/] from {sum(fitted.kept.values())} crops "
        f"(skipped {len(faces.skipped)}); {_rule(t)}. Wrote {out / MODEL_FILE}."
    )
    return meta


def load_with_progress(
    dataset: Path,
    detector: DetectorSettings,
    crop: CropSettings,
    console: Console,
    on_image: Callable[[int, int], None] | None = None,
) -> FaceSet:
    total = sum(len(images) for images in person_folders(dataset).values())
    with Progress(
        TextColumn("finding faces"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("faces", total=total)

        def advance() -> None:
            progress.advance(task)
            if on_image:
                on_image(int(progress.tasks[0].completed), total)

        return load_crops(dataset, make_detector(detector), FaceCropper(crop), on_image=advance)


def metadata(
    fitted: FittedFaces,
    faces: FaceSet,
    detector: DetectorSettings,
    crop: CropSettings,
    params: LbphParams,
    max_per_person: int,
    threshold: float | None,
) -> FaceModelMeta:
    calibrated = fitted.threshold.model_copy(deep=True)
    if threshold is not None:
        calibrated.calibrated_distance, calibrated.distance = calibrated.distance, float(threshold)
    return FaceModelMeta(
        format=FORMAT,
        names=dict(enumerate(fitted.names)),
        crop=crop.to_dict(),
        lbph=params.to_dict(),
        detector=detector.to_dict(),
        threshold=calibrated,
        max_per_person=max_per_person,
        people={name: PersonCount(images=len(faces.crops[name]), kept=fitted.kept[name]) for name in fitted.names},
        skipped=faces.skipped,
        whole_image_crops=faces.whole_image_crops,
        opencv=cv2.__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _rule(threshold: Threshold) -> str:
    """The stranger rule the recogniser will apply, as a sentence."""
    relative = threshold.relative
    if threshold.calibrated_distance is not None or relative is None:
        return f"unknown beyond distance {threshold.distance:.1f} (your choice)"
    still = relative.still
    stills = f"; {still.value:.3f} for stills, seen through {still.probes} crops" if still else ""
    return (
        f"unknown when the nearest person is not clearly nearer than the next {relative.rivals} "
        f"(ratio above {relative.value:.3f}; calibration: {relative.calibration_known_accepted:.0%} "
        f"known accepted, {relative.calibration_strangers_rejected:.0%} strangers rejected{stills})"
    )
