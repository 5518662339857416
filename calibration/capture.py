"""Collect calibration views: from image files, or live from a camera with the board shown."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgecam.calibration.boards import Board
from edgecam.calibration.intrinsics import View
from edgecam.edge.errors import DataError
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
    ``min_move`` of the frame's diagonal since the last kept view (a new pose, not the same one)."""
    views: list[View] = []
    size, last_centre, seen = None, None, 0
    while len(views) < frames:
        frame = source.read()
        if frame is None:
            break
        seen += 1
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        size = (grey.shape[1], grey.shape[0])
        found = board.detect(grey)
        key = -1
        if display:
            shown = frame.copy()
            if found is not None:
                for x, y in found[0]:
                    cv2.circle(shown, (int(x), int(y)), 3, (0, 255, 0), -1)
            cv2.putText(
                shown,
                f"{len(views)}/{frames} views  (space: keep, q: done)",
                (10, 24),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.6,
                (0, 255, 255),
                2,
            )
            cv2.imshow("edgecam calibrate", shown)
            key = cv2.waitKey(1) & 0xFF
            if key in (ord("q"), 27):
                break
        if found is None:
            continue
        centre = found[0].mean(axis=0)
        moved = last_centre is None or np.linalg.norm(centre - last_centre) > min_move * np.hypot(*size)
        if moved or key in (ord(" "), ord("c")):
            views.append(View(f"frame{seen:05d}", *found))
            last_centre = centre
    if display:
        cv2.destroyAllWindows()
    return views, size
