"""Where the digits are: a rectangle, or the four corners of a tilted card, stored in the config."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgecam.edge import atomic
from edgecam.edge import config as configuration
from edgecam.edge.errors import ConfigError


def parse_corners(text: str) -> list[int]:
    try:
        values = [round(float(v)) for v in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 8 or min(values) < 0:
        raise ConfigError(f"--corners {text!r} must be eight numbers x1,y1,...,x4,y4 (clockwise from top left).")
    return values


def pick_rectangle(frame: np.ndarray) -> list[int]:
    x, y, w, h = cv2.selectROI("edgecam: drag the ROI, then Enter", frame, showCrosshair=True)
    cv2.destroyAllWindows()
    if w == 0 or h == 0:
        raise ConfigError("No ROI was selected.")
    return [int(x), int(y), int(w), int(h)]


def pick_corners(frame: np.ndarray) -> list[int]:
    """Four clicks: top-left, top-right, bottom-right, bottom-left of the card."""
    points: list[tuple[int, int]] = []
    title = "edgecam: click the card's 4 corners from top left, clockwise (Esc cancels)"

    def on_mouse(event, x, y, flags, param):
        if event == cv2.EVENT_LBUTTONDOWN and len(points) < 4:
            points.append((x, y))

    cv2.namedWindow(title)
    cv2.setMouseCallback(title, on_mouse)
    while len(points) < 4:
        shown = frame.copy()
        for point in points:
            cv2.circle(shown, point, 5, (0, 255, 255), -1)
        cv2.imshow(title, shown)
        if cv2.waitKey(20) & 0xFF == 27:
            cv2.destroyAllWindows()
            raise ConfigError("Corner selection was cancelled.")
    cv2.destroyAllWindows()
    return [v for point in points for v in point]


def store(config_path: Path, roi: list[int] | None, corners: list[int] | None) -> configuration.Config:
    """Put the ROI into the TOML config (keeping its other settings) and write it atomically."""
    config = configuration.load(config_path) if Path(config_path).is_file() else configuration.Config()
    config = configuration.with_overrides(
        config, {("digits", "roi"): roi or [], ("digits", "corners"): corners or []}, str(config_path)
    )
    atomic.write_text(config_path, configuration.to_toml(config))
    return config
