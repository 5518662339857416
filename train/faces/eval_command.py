"""``edgecam eval faces``: cross-validate the face recipe on your own photos."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from edgecam.train.faces.detector_help import DETECTOR_HELP


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
