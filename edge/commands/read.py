"""``edgecam read``: the handwritten digits in still images."""

from __future__ import annotations

from pathlib import Path

import typer


def read(
    images: list[Path] = typer.Argument(..., help="Image files of cards, displays, forms."),
    digits: Path = typer.Option(..., "--digits", help="Digit model (.onnx)."),
    roi: str | None = typer.Option(None, "--roi", help="x,y,w,h to read; default the whole image."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per image per line."),
) -> None:
    """Read the handwritten digits in still images (the whole image, or the ROI).

    Example: `edgecam read card.jpg --digits models/digits.onnx --json`
    """
    import json

    from rich.console import Console

    from edgecam.edge.config_values import parse_roi
    from edgecam.edge.digits.model import DigitModel
    from edgecam.edge.digits.reader import DigitReader
    from edgecam.edge.errors import ConfigError
    from edgecam.edge.sources.capture import read_image

    reader = DigitReader(DigitModel(digits))
    box = parse_roi(roi) if roi else None
    for path in images:
        frame = read_image(path)
        if box:
            x, y, w, h = box
            if x + w > frame.shape[1] or y + h > frame.shape[0]:
                raise ConfigError(f"--roi {roi} reaches outside {path} ({frame.shape[1]}x{frame.shape[0]}).")
            frame = frame[y : y + h, x : x + w]
        reading = reader.read(frame)
        if as_json:
            print(
                json.dumps({"image": str(path), "text": reading.text, "digits": [d.to_dict() for d in reading.digits]}),
                flush=True,
            )
        else:
            Console().print(f"{path}: {reading.text or '(no digits)'}  ({reading.confidence:.0%})", highlight=False)
