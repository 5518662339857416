"""What a run is told, gathered in one place: the TOML file, the flags laid over it, the environment.

Nothing else in the device runtime reads command-line flags or environment variables for
the loop: the commands fill ``Flags``, ``settle`` turns file, flags and environment into the
``Config`` the loop runs with and the ``Secrets`` it must not print.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from edgecam.edge import config as configuration
from edgecam.edge.config_values import parse_mqtt_url, parse_roi

# The environment variables edgecam reads, and what they set. Secrets belong here rather than in
# flags, which every user of the machine can read in the process list.
STREAM_TOKEN = "EDGECAM_STREAM_TOKEN"  # [stream] token; wins over the file and --stream-token
MQTT_USERNAME = "EDGECAM_MQTT_USERNAME"  # [mqtt] username; wins over the file and the URL
MQTT_PASSWORD = "EDGECAM_MQTT_PASSWORD"  # the broker's password: only ever from here


@dataclass(frozen=True)
class Secrets:
    """What the loop needs but the config never holds (``config show`` prints the config)."""

    mqtt_password: str | None = None

    def __repr__(self) -> str:  # never in a log line or a traceback
        return f"Secrets(mqtt_password={'***' if self.mqtt_password else None})"


@dataclass
class Flags:
    """The command line's say: each field None where the user gave no flag."""

    source: str | None = None
    loop: bool | None = None
    pace: float | None = None
    display: bool | None = None
    roi: str | None = None
    faces: Path | None = None
    library: Path | None = None
    digits: Path | None = None
    record: Path | None = None
    events: Path | None = None
    max_frames: int | None = None
    threads: int | None = None
    detect_every: int | None = None
    recognize_every: int | None = None
    calibration: Path | None = None
    stream: str | None = None
    stream_token: str | None = None
    mqtt: str | None = None
    snapshots: Path | None = None

    def overrides(self) -> dict[tuple[str, str], object]:
        """(section, key) -> value for every flag given, as the config's own types."""
        where = {
            "source": ("source", "spec"),
            "loop": ("source", "loop"),
            "pace": ("source", "pace"),
            "calibration": ("source", "calibration"),
            "display": ("output", "display"),
            "record": ("output", "record"),
            "events": ("output", "events"),
            "max_frames": ("output", "max_frames"),
            "faces": ("faces", "model"),
            "library": ("faces", "library"),
            "detect_every": ("faces", "detect_every"),
            "recognize_every": ("faces", "recognize_every"),
            "digits": ("digits", "model"),
            "roi": ("digits", "roi"),
            "threads": ("runtime", "threads"),
            "stream": ("stream", "listen"),
            "stream_token": ("stream", "token"),
            "snapshots": ("snapshots", "folder"),
        }
        given: dict[tuple[str, str], object] = {}
        for flag in fields(self):
            value = getattr(self, flag.name)
            if value is None or flag.name == "mqtt":
                continue
            if flag.name == "roi":
                value = parse_roi(value)
            elif isinstance(value, Path):
                value = str(value)
            given[where[flag.name]] = value
        if self.mqtt is not None:
            given.update({("mqtt", key): value for key, value in parse_mqtt_url(self.mqtt).items()})
        return given


def settle(
    config_file: Path | None, flags: Flags | None = None, environ: Mapping[str, str] | None = None
) -> tuple[configuration.Config, Secrets]:
    """The file's config with the flags laid over it, then, when ``environ`` is given (a run, not
    ``config show``), the environment's token and username over both, and its secrets apart."""
    config = configuration.load(config_file)
    given = (flags or Flags()).overrides()
    if environ is not None:
        if environ.get(STREAM_TOKEN):
            given[("stream", "token")] = environ[STREAM_TOKEN]
        if environ.get(MQTT_USERNAME):
            given[("mqtt", "username")] = environ[MQTT_USERNAME]
    if given:
        config = configuration.with_overrides(config, given)
    secrets = Secrets(mqtt_password=(environ or {}).get(MQTT_PASSWORD) or None)
    return config, secrets


def from_environment(config_file: Path | None, flags: Flags | None = None) -> tuple[configuration.Config, Secrets]:
    """``settle`` for a run: this process's environment."""
    return settle(config_file, flags, os.environ)
