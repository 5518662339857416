"""``edgecam train faces``: the LBPH face model and its calibrated stranger rule."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from edgecam.train.faces.detector_help import DETECTOR_HELP


def faces(
    dataset: Path = typer.Argument(
        ..., help="Folder of person folders: DATASET/NAME/*.jpg, one folder per person (any Unicode name)."
    ),
    out: Path = typer.Option(
        Path("models"), "--out", help="Folder for faces.yml (LBPH) and faces.json (names, settings)."
    ),
    max_per_person: int = typer.Option(
        40,
        "--max-per-person",
        min=1,
        help="Keep at most this many of each person's most distinct crops "
        "(LBPH's predict time grows with the gallery).",
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", min=0.0, help="Unknown beyond this LBPH distance (default: calibrated from the data)."
    ),
    reject: float = typer.Option(
        0.97,
        "--reject",
        min=0.5,
        max=0.999,
        help="The share of camera-like strangers the unknown limit turns away at calibration. Raise it "
        "(0.99) where a stranger must never be named, at the cost of known people called unknown more "
        "often; lower it (0.9) where naming people matters more.",
    ),
    yunet: str | None = typer.Option(None, "--yunet", metavar="PATH|fetched", help=DETECTOR_HELP),
    haar: bool = typer.Option(
        False, "--haar", help="Detect with Haar (the default; kept for scripts from when a fetched YuNet was)."
    ),
) -> None:
    """Learn who is who from photos, and calibrate when a face is a stranger ("unknown").

    Faces are found with OpenCV's Haar cascade (chosen by measurement: see --yunet), or with YuNet
    when asked; images that are already face crops (like ORL) are padded so the detector frames
    them as in a camera frame. The unknown threshold is calibrated on camera-like views of the
    photos. Nothing is dropped silently: faces.json lists every skipped image and why.

    Example: `edgecam train faces photos/ --out models`
    """
    from edgecam.train.faces.job import train_faces
    from edgecam.train.faces.options import crop_settings, detector_settings
    from edgecam.train.faces.training import LbphParams

    train_faces(
        dataset,
        out,
        detector_settings(yunet, haar),
        crop_settings(),
        LbphParams(),
        max_per_person,
        threshold,
        Console(stderr=True),
        reject,
    )
