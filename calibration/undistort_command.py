"""``edgecam calibrate undistort``: straightened copies of images."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def undistort(
    calibration: Path = typer.Argument(..., help="A .yml from 'edgecam calibrate camera'."),
    images: list[Path] = typer.Argument(..., help="Images to straighten."),
    out: Path = typer.Option(..., "--out", help="Folder for the undistorted images (same names)."),
) -> None:
    """Write undistorted copies of images.

    Example: `edgecam calibrate undistort camera.yml shots/*.jpg --out straight/`
    """
    import cv2

    from edgecam.edge import atomic
    from edgecam.edge.sources.capture import read_image
    from edgecam.edge.sources.undistort import Undistorter

    fix = Undistorter(calibration)
    out.mkdir(parents=True, exist_ok=True)
    for path in images:
        with atomic.atomic_path(out / path.name) as tmp:
            cv2.imwrite(str(tmp), fix(read_image(path)))
    Console(stderr=True).print(f"Wrote {len(images)} undistorted image(s) to {out}")
