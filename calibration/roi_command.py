"""``edgecam calibrate roi``: where the digits are, as a box or a tilted card's corners."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def roi(
    source: str | None = typer.Option(None, "--source", help="Where to take a frame from (interactive mode)."),
    out: Path = typer.Option(
        Path("edgecam.toml"), "--out", help="The TOML config to store the ROI in (kept otherwise)."
    ),
    rect: str | None = typer.Option(None, "--roi", help="x,y,w,h without asking."),
    corners: str | None = typer.Option(
        None, "--corners", help="x1,y1,...,x4,y4 of a tilted card, clockwise from top left."
    ),
    four: bool = typer.Option(
        False, "--four-corners", help="Interactive: click four corners instead of dragging a box."
    ),
) -> None:
    """Set where the digits are: drag a box on a frame, click the four corners of a tilted card
    (its digits are then warped upright), or give them as numbers. Stored in the config, its
    comments and other keys kept. On a camera without a screen, draw it on the live page instead
    (edgecam run --stream 8080, then Setup).

    Example: `edgecam calibrate roi --source 0 --four-corners --out edgecam.toml`
    """
    from edgecam.calibration.frame_picker import pick
    from edgecam.calibration.roi_setup import parse_corners, store
    from edgecam.edge.config_values import parse_roi
    from edgecam.edge.errors import ConfigError, Unavailable
    from edgecam.edge.sources.capture import open_source

    box = parse_roi(rect) if rect else None
    quad = parse_corners(corners) if corners else None
    if box is None and quad is None:
        if not source:
            raise ConfigError("Give --roi or --corners, or --source to pick them on a frame.")
        stream = open_source(source)
        try:
            frame = stream.read()
        finally:
            stream.close()
        if frame is None:
            raise Unavailable(f"{source} gave no frame to pick the ROI on.")
        if four:
            quad = pick(frame, corners=True)
        else:
            box = pick(frame, corners=False)
    store(out, box, quad)
    Console(stderr=True).print(f"Stored the ROI in {out}: " + (f"corners {quad}" if quad else f"roi {box}"))
