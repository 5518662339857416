"""Where the digits are: a rectangle, or the four corners of a tilted card, stored in the config."""

from __future__ import annotations

from pathlib import Path

from edgecam.edge import config as configuration
from edgecam.edge.config_edit import set_keys
from edgecam.edge.errors import ConfigError


def parse_corners(text: str) -> list[int]:
    try:
        values = [round(float(v)) for v in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 8 or min(values) < 0:
        raise ConfigError(f"--corners {text!r} must be eight numbers x1,y1,...,x4,y4 (clockwise from top left).")
    return values


def store(config_path: Path, roi: list[int] | None, corners: list[int] | None) -> configuration.Config:
    """Put the ROI into the TOML config, keeping its comments and other settings, atomically."""
    return set_keys(config_path, {("digits", "roi"): roi or [], ("digits", "corners"): corners or []})
