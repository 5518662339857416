"""``edgecam enroll`` and ``edgecam eval faces``: grow and measure the face model."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

# Why Haar is the default, also with YuNet fetched: on the held-out face scenes a model trained
# with Haar named 96.8 % of known faces (seeds 0 and 1), one trained with YuNet 93.6 and 95.0 %
# (docs/benchmarks.md, Faces): the crop and LBPH settings were tuned with Haar.
DETECTOR_HELP = (
    "Detect with YuNet: a path to its .onnx, or 'fetched' for the copy 'edgecam models fetch yunet' stored. "
    "Default: OpenCV's Haar cascade, which named more known faces on the held-out scenes (96.8 % against "
    "93.6-95.0 %); YuNet draws no phantom faces."
)

eval_app = typer.Typer(help="Measure models on your own data.", no_args_is_help=True)


def enroll(
    name: str = typer.Argument(..., help="The person's name (any Unicode); becomes DATASET/NAME/."),
    source: str = typer.Option(
        ..., "--source", help="Camera index, /dev/videoN, a video file, a URL, an image folder, rpicam, or picamera2."
    ),
    dataset: Path = typer.Option(..., "--dataset", help="The face dataset to add the crops to."),
    count: int = typer.Option(20, "--count", min=1, help="How many distinct, sharp face images to keep."),
    faces: Path | None = typer.Option(None, "--faces", help="Also update this trained model in place (LBPH update)."),
    yunet: str | None = typer.Option(None, "--yunet", metavar="PATH|fetched", help=DETECTOR_HELP),
    haar: bool = typer.Option(
        False, "--haar", help="Detect with Haar (the default; kept for scripts from when a fetched YuNet was)."
    ),
) -> None:
    """Capture a new person from a camera or video: only sharp, large, distinct frames are kept.

    Example: `edgecam enroll "Zoë" --source 0 --dataset photos --faces models`
    """
    from edgecam.edge.faces.detect import DetectorSettings
    from edgecam.edge.faces.model_file import read_metadata
    from edgecam.edge.sources.capture import open_source
    from edgecam.train.faces.enroll import EnrollSettings, capture, update_model
    from edgecam.train.faces.options import detector_settings

    console = Console(stderr=True)
    detector = (
        DetectorSettings(**read_metadata(faces).detector) if faces and not yunet else detector_settings(yunet, haar)
    )
    stream = open_source(source)
    try:
        with Progress(TextColumn(f"enrolling {name}"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
            task = bar.add_task("enroll", total=count)
            result = capture(
                name,
                stream,
                dataset,
                EnrollSettings(count=count),
                detector,
                on_saved=lambda n: bar.update(task, completed=n),
            )
    finally:
        stream.close()
    skipped = ", ".join(f"{n} {why}" for why, n in result.rejected.items() if n)
    console.print(
        f"Kept {len(result.saved)} of {result.frames} frames in {Path(dataset) / name}"
        + (f" (skipped: {skipped})" if skipped else "")
    )
    if len(result.saved) < count:
        console.print(
            f"[yellow]Only {len(result.saved)} usable frames; move a little, face the light, and run again for more.[/]"
        )
    if faces and result.saved:
        meta = update_model(faces, name, result.saved)
        console.print(
            f"[green]Updated {faces}[/]: {len(meta.names)} people, unknown beyond {meta.threshold.distance:.1f}"
        )


@eval_app.command("faces")
def eval_faces(
    dataset: Path = typer.Argument(..., help="Folder of person folders, as for 'edgecam train faces'."),
    holdout: int = typer.Option(3, "--holdout", min=1, help="People left out of each fold to play strangers."),
    max_per_person: int = typer.Option(40, "--max-per-person", min=1, help="Gallery cap per person, as in training."),
    yunet: str | None = typer.Option(None, "--yunet", metavar="PATH|fetched", help=DETECTOR_HELP),
    haar: bool = typer.Option(
        False, "--haar", help="Detect with Haar (the default; kept for scripts from when a fetched YuNet was)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Cross-validate the face recipe on a dataset: closed-set accuracy, strangers rejected,
    known people falsely rejected, and LBPH predict time against gallery size.

    Example: `edgecam eval faces photos/ --holdout 3 --json`
    """
    from edgecam.train.faces.eval import evaluate, predict_time_by_gallery
    from edgecam.train.faces.job import load_with_progress
    from edgecam.train.faces.options import crop_settings, detector_settings
    from edgecam.train.faces.training import LbphParams

    console = Console(stderr=True)
    loaded = load_with_progress(dataset, detector_settings(yunet, haar), crop_settings(), console)
    with console.status("cross-validating..."):
        report = evaluate(loaded.crops, LbphParams(), max_per_person, holdout)
        report["predict_time"] = predict_time_by_gallery(loaded.crops, LbphParams())
    report["skipped"] = loaded.skipped
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return
    console.print(
        f"{report['people']} people, {report['folds']} folds of {report['holdout']} strangers: closed-set accuracy "
        f"{report['closed_set_accuracy']:.1%}; known named right {report['known_named_right']:.1%}, falsely rejected "
        f"{report['known_falsely_rejected']:.1%}; strangers rejected {report['strangers_rejected']:.1%}"
    )
    for row in report["predict_time"]:
        console.print(
            f"  gallery {row['gallery']:5d} ({row['per_person']} per person): {row['predict_ms']:.2f} ms per face"
        )
