"""Collect calibration views: from image files, or live from a camera with the board shown."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgecam.calibration.boards import Board
from edgecam.calibration.intrinsics import View
from edgecam.edge.errors import DataError, Unavailable
from edgecam.edge.sources.capture import read_image


def views_from_images(board: Board, images: list[Path], on_image=None) -> tuple[list[View], tuple[int, int], list[str]]:
    views: list[View] = []
    missed: list[str] = []
    size: tuple[int, int] | None = None
    for path in images:
        grey = cv2.cvtColor(read_image(path), cv2.COLOR_BGR2GRAY)
        if size is None:
            size = (grey.shape[1], grey.shape[0])
        elif size != (grey.shape[1], grey.shape[0]):
            raise DataError(
                f"{path} is {grey.shape[1]}x{grey.shape[0]}, the first image {size[0]}x{size[1]}; "
                "calibrate one camera resolution at a time."
            )
        found = board.detect(grey)
        if found is None:
            missed.append(Path(path).name)
        else:
            views.append(View(Path(path).name, *found))
        if on_image:
            on_image()
    if size is None:
        raise DataError("No calibration images were given.")
    return views, size, missed


def views_from_source(board: Board, source, frames: int, display: bool, min_move: float = 0.08):
    """Live capture: a view is kept on Space/c, or by itself once the board has moved by
    ``min_move`` of the frame's diagonal since the last kept view (a new pose, not the same one).
    With ``display``, a Tk window shows the board as found (q or Esc: done)."""
    window = _window() if display else None
    views: list[View] = []
    size, last_centre, seen = None, None, 0
    try:
        while len(views) < frames:
            frame = source.read()
            if frame is None:
                break
            seen += 1
            grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            size = (grey.shape[1], grey.shape[0])
            found = board.detect(grey)
            key = None
            if window is not None:
                window.show(_marked(frame, found, f"{len(views)}/{frames} views  (space: keep, q: done)"))
                key = window.key(1)
                if key in ("q", "Escape"):
                    break
            if found is None:
                continue
            centre = found[0].mean(axis=0)
            moved = last_centre is None or np.linalg.norm(centre - last_centre) > min_move * np.hypot(*size)
            if moved or key in ("space", "c"):
                views.append(View(f"frame{seen:05d}", *found))
                last_centre = centre
    finally:
        if window is not None:
            window.close()
    return views, size


def _window():
    try:
        from edgecam.edge.outputs.tk_window import TkWindow

        return TkWindow("edgecam calibrate")
    except ImportError:
        raise Unavailable(
            "Cannot open a window: Python has no Tk (on Debian: sudo apt install python3-tk); use --headless."
        ) from None
    except RuntimeError:
        raise Unavailable(
            "There is no display to show the board on: add --headless (a view is then kept each time "
            "the board has moved to a new pose)."
        ) from None


def _marked(frame: np.ndarray, found, caption: str) -> np.ndarray:
    shown = frame.copy()
    if found is not None:
        for x, y in found[0]:
            cv2.circle(shown, (int(x), int(y)), 3, (0, 255, 0), -1)
    cv2.putText(shown, caption, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 2)
    return shown
