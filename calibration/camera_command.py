"""``edgecam calibrate camera``: lens intrinsics from views of a board."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn


def camera(
    images: list[Path] | None = typer.Argument(None, help="Photos of the board (or use --source)."),
    source: str | None = typer.Option(None, "--source", help="Capture live from a camera/stream instead."),
    frames: int = typer.Option(20, "--frames", min=3, help="Views to capture in live mode."),
    pattern: str = typer.Option(..., "--pattern", help="chessboard, circles, acircles or charuco."),
    size: str = typer.Option(
        ..., "--size", help="COLSxROWS: inner corners (chessboard), circles per row x rows, or squares (ChArUco)."
    ),
    square: float = typer.Option(..., "--square", min=0.0, help="Square side or circle spacing, in mm."),
    marker: float = typer.Option(0.0, "--marker", help="ChArUco marker side, in mm."),
    dictionary: str = typer.Option("DICT_4X4_50", "--dictionary", help="ChArUco ArUco dictionary."),
    fix_aspect_ratio: bool = typer.Option(False, "--fix-aspect-ratio", help="Keep fx = fy."),
    fix_principal_point: bool = typer.Option(
        False, "--fix-principal-point", help="Keep the principal point at the centre."
    ),
    zero_tangent: bool = typer.Option(False, "--zero-tangent", help="Assume no tangential distortion."),
    out: Path = typer.Option(..., "--out", help="The calibration to write (OpenCV FileStorage .yml)."),
    display: bool = typer.Option(True, "--display/--headless", help="Live mode: show the detected board."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Calibrate the camera from views of a board; views that do not fit are rejected and named.

    Example: `edgecam calibrate camera shots/*.jpg --pattern chessboard --size 9x6 --square 25 --out camera.yml`
    """
    from edgecam.calibration.boards import Board, parse_size
    from edgecam.calibration.capture import views_from_images, views_from_source
    from edgecam.calibration.intrinsics import calibrate, flags_from, save
    from edgecam.edge.errors import ConfigError
    from edgecam.edge.sources.capture import open_source

    console = Console(stderr=True)
    cols, rows = parse_size(size)
    board = Board(pattern, cols, rows, square, marker, dictionary)
    missed: list[str] = []
    if source:
        stream = open_source(source)
        try:
            views, image_size = views_from_source(board, stream, frames, display)
        finally:
            stream.close()
    elif images:
        with Progress(
            TextColumn("finding the board"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
        ) as progress:
            task = progress.add_task("board", total=len(images))
            views, image_size, missed = views_from_images(board, images, lambda: progress.advance(task))
    else:
        raise ConfigError("Give board images, or --source to capture them live.")
    result = calibrate(views, image_size, flags_from(fix_aspect_ratio, fix_principal_point, zero_tangent))
    save(result, out)
    report = {**result.to_dict(), "board_not_found": missed, "path": str(out)}
    if as_json:
        print(json.dumps(report))
        return
    fx, fy = result.camera_matrix[0, 0], result.camera_matrix[1, 1]
    console.print(
        f"[green]RMS {result.rms:.4f} px[/] from {len(result.views_used)} views; fx {fx:.2f}, fy {fy:.2f}, "
        f"centre ({result.camera_matrix[0, 2]:.1f}, {result.camera_matrix[1, 2]:.1f}); wrote {out}"
    )
    for rejected in result.views_rejected:
        console.print(f"[yellow]rejected {rejected['view']}: error {rejected['error']:.3f} px[/]")
    if missed:
        console.print(f"board not found in: {', '.join(missed)}")
