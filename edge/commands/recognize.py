"""``edgecam recognize``: name the faces in still images."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from edgecam.edge.sources.capture import read_image


def recognize(
    images: list[Path] = typer.Argument(..., help="Image files to look at."),
    faces: Path = typer.Option(Path("models"), "--faces", help="Folder with faces.yml and faces.json."),
    threshold: float | None = typer.Option(None, "--threshold", help="Override the model's unknown distance."),
    yunet: Path | None = typer.Option(
        None, "--yunet", help="Detect with this YuNet .onnx instead of the model's detector."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per image per line."),
) -> None:
    """Detect and name faces in images; a face beyond the threshold is "unknown".

    Example: `edgecam recognize door.jpg --faces models --json`
    """
    from edgecam.edge.faces.recognizer import FaceRecognizer

    recognizer = FaceRecognizer(faces, threshold, str(yunet) if yunet else None, still=True)
    console = Console()
    for path in images:
        frame = read_image(path)
        found = recognizer(frame)
        if as_json:
            print(
                json.dumps({"image": str(path), "faces": [f.to_dict() for f in found]}, ensure_ascii=False), flush=True
            )
        else:
            names = ", ".join(
                f"{f.name} ({f.reason or f'{f.confidence:.0%}, distance {f.distance:.1f}'}; "
                f"quality {f.quality or 0:.0%}) at {list(f.box)}"
                for f in found
            )
            console.print(f"{path}: {names or 'no face'}", highlight=False)
