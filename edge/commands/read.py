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
    """Read the handwritten digits in still images: the card in the image (or in the ROI), upright,
    or the whole image (the ROI) when it holds no card. An unsure reading says why instead of guessing.

    Example: `edgecam read card.jpg --digits models/digits.onnx --json`
    """
    import json

    import cv2
    from rich.console import Console

    from edgecam.edge.config_values import parse_roi
    from edgecam.edge.digits.card_find import CardFinder
    from edgecam.edge.digits.model import DigitModel
    from edgecam.edge.digits.reader import DigitReader
    from edgecam.edge.digits.stage import read_card
    from edgecam.edge.errors import ConfigError
    from edgecam.edge.sources.capture import read_image

    reader, finder = DigitReader(DigitModel(digits)), CardFinder()
    box = parse_roi(roi) if roi else None
    for path in images:
        frame = read_image(path)
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        x, y, w, h = box or (0, 0, grey.shape[1], grey.shape[0])
        if x + w > frame.shape[1] or y + h > frame.shape[0]:
            raise ConfigError(f"--roi {roi} reaches outside {path} ({frame.shape[1]}x{frame.shape[0]}).")
        # A card in the picture is found and read upright; a picture with no card in it is read whole.
        reading, card = read_card(grey, finder, reader, (x, y, w, h), True)
        if as_json:
            answer = {"image": str(path)} | reading.to_dict() | {"digits": [d.to_dict() for d in reading.digits]}
            answer["card"] = card.quad().round(1).tolist() if card is not None else None
            print(json.dumps(answer), flush=True)
        elif reading.unsure:
            Console().print(f"{path}: unsure ({reading.reason})", highlight=False)
        else:
            Console().print(f"{path}: {reading.text or '(no digits)'}  ({reading.confidence:.0%})", highlight=False)
