"""``edgecam enroll``: a new person from a camera or video, folded into the model."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from edgecam.train.faces.detector_help import DETECTOR_HELP


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
    from edgecam.edge.faces.enrolment import EnrollSettings, capture
    from edgecam.edge.faces.model_file import read_metadata
    from edgecam.edge.faces.person_name import checked_name
    from edgecam.edge.sources.capture import open_source
    from edgecam.train.faces.enroll import update_model
    from edgecam.train.faces.options import detector_settings

    console = Console(stderr=True)
    name = checked_name(name)  # a folder of the dataset and a label in events: the page's rules too
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
