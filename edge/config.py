"""One validated configuration, from a TOML file and command-line flags, for the whole loop.

Every key has a type and a default; an unknown key or a wrong value is a
ConfigError naming the key (exit 78, so systemd does not restart-loop on it).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import tomllib
import typing
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from edgecam.edge.errors import ConfigError


@dataclass
class SourceConfig:
    spec: str = "0"  # camera index, /dev/videoN, URL, video file, image folder or glob, rpicam, picamera2
    loop: bool = False  # start a video file again at its end
    width: int = 640  # the Pi camera's frame size and rate (rpicam, picamera2)
    height: int = 480
    fps: float = 30.0
    calibration: str = ""  # camera intrinsics (YAML from 'edgecam calibrate camera') to undistort with


@dataclass
class FacesConfig:
    model: str = ""  # folder with faces.yml + faces.json; empty = no face recognition
    threshold: float = -1.0  # LBPH distance for "unknown"; negative = the model's calibrated one
    yunet: str = ""  # YuNet .onnx to detect with instead of Haar
    detect_every: int = 4  # run the (fast) detector every N frames and track in between
    recognize_every: int = 6  # recognise a track every N detections, after its first three


@dataclass
class DigitsConfig:
    model: str = ""  # the exported .onnx; empty = no digit reading
    roi: list[int] = field(default_factory=list)  # x, y, w, h in frame pixels; empty = whole frame
    corners: list[int] = field(default_factory=list)  # x1,y1..x4,y4 of a tilted card, clockwise; overrides roi
    min_probability: float = 0.0  # digits less sure than this are left out
    stable_frames: int = 5  # vote over this many frames before the text changes


@dataclass
class OutputConfig:
    display: bool = False
    record: str = ""  # annotated MP4
    events: str = ""  # JSON lines, one per processed frame
    max_frames: int = 0  # stop after N frames; 0 = run until the source ends or a signal


@dataclass
class StreamConfig:
    listen: str = ""  # PORT or HOST:PORT for the live page, MJPEG, /healthz and /metrics; empty = off
    token: str = ""  # every route then wants it; $EDGECAM_STREAM_TOKEN wins and keeps it out of files
    quality: int = 80  # JPEG quality, 1-100
    max_viewers: int = 8  # more MJPEG viewers than this get 503: each one costs a thread and bandwidth


@dataclass
class MqttConfig:
    broker: str = ""  # host name or address; empty = no MQTT
    port: int = 1883
    tls: bool = False
    ca_file: str = ""  # CA bundle for TLS; empty = the system's
    prefix: str = "edgecam"  # topics are <prefix>/<device>/events|state|available
    device: str = ""  # empty = this machine's hostname
    client_id: str = ""  # empty = this machine's hostname
    username: str = ""  # $EDGECAM_MQTT_USERNAME wins; the password comes only from $EDGECAM_MQTT_PASSWORD
    state_every: float = 10.0  # seconds between retained state messages
    queue: int = 1000  # messages held while the broker is away; beyond it the oldest are dropped and counted


@dataclass
class RuntimeConfig:
    threads: int = 1  # OpenCV and ONNX Runtime threads; 1 is the Pi-like figure


@dataclass
class Config:
    source: SourceConfig = field(default_factory=SourceConfig)
    faces: FacesConfig = field(default_factory=FacesConfig)
    digits: DigitsConfig = field(default_factory=DigitsConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    stream: StreamConfig = field(default_factory=StreamConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def load(path: Path | None) -> Config:
    """Read and validate ``path`` (or defaults when None)."""
    if path is None:
        return Config()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"No config file at {path}.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}.") from error
    return from_dict(data, str(path))


def from_dict(data: dict, origin: str = "config") -> Config:
    config = Config()
    sections = {f.name: f for f in dataclasses.fields(Config)}
    for name, table in data.items():
        if name not in sections:
            raise ConfigError(f"Unknown section [{name}] in {origin}; known: {', '.join(sections)}.")
        if not isinstance(table, dict):
            raise ConfigError(f"'{name}' in {origin} must be a table ([{name}]).")
        apply(getattr(config, name), table, name, origin)
    validate(config, origin)
    return config


def apply(section, values: dict, prefix: str, origin: str) -> None:
    """Set ``values`` on a section, checking each key's name and type."""
    hints = typing.get_type_hints(type(section))
    for key, value in values.items():
        if key not in hints:
            known = ", ".join(hints)
            raise ConfigError(f"Unknown key '{prefix}.{key}' in {origin}; known keys of [{prefix}]: {known}.")
        setattr(section, key, _coerce(value, hints[key], f"{prefix}.{key}", origin))


def _coerce(value, kind, key: str, origin: str):
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is str:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
    elif typing.get_origin(kind) is list:
        if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return value
        raise ConfigError(f"'{key}' in {origin} must be a list of whole numbers, not {value!r}.")
    raise ConfigError(f"'{key}' in {origin} must be {kind.__name__}, not {value!r}.")


def validate(config: Config, origin: str) -> None:
    """Values that have the right type but make no sense."""
    checks = [
        ("faces.detect_every", config.faces.detect_every >= 1, "at least 1"),
        ("faces.recognize_every", config.faces.recognize_every >= 1, "at least 1"),
        ("digits.roi", len(config.digits.roi) in (0, 4) and all(v >= 0 for v in config.digits.roi)
         and (not config.digits.roi or (config.digits.roi[2] > 0 and config.digits.roi[3] > 0)),
         "four numbers x, y, w, h with w and h above 0"),
        ("digits.corners", len(config.digits.corners) in (0, 8) and all(v >= 0 for v in config.digits.corners),
         "eight numbers x1, y1, ..., x4, y4"),
        ("digits.min_probability", 0 <= config.digits.min_probability <= 1, "between 0 and 1"),
        ("digits.stable_frames", config.digits.stable_frames >= 1, "at least 1"),
        ("output.max_frames", config.output.max_frames >= 0, "0 or more"),
        ("runtime.threads", config.runtime.threads >= 1, "at least 1"),
        ("stream.quality", 1 <= config.stream.quality <= 100, "between 1 and 100"),
        ("stream.max_viewers", config.stream.max_viewers >= 1, "at least 1"),
        ("mqtt.port", 1 <= config.mqtt.port <= 65535, "a port number, 1-65535"),
        ("mqtt.state_every", config.mqtt.state_every > 0, "above 0 seconds"),
        ("mqtt.queue", config.mqtt.queue >= 1, "at least 1"),
        ("mqtt.prefix", _topic_level_ok(config.mqtt.prefix, allow_slash=True), "a topic without +, # or empty levels"),
        ("mqtt.device", _topic_level_ok(config.mqtt.device or "x", allow_slash=False), "one topic level (no /, + or #)"),
    ]
    for key, ok, expected in checks:
        if not ok:
            raise ConfigError(f"'{key}' in {origin} must be {expected}.")
    if config.stream.listen:
        try:
            parse_listen(config.stream.listen)
        except ValueError:
            raise ConfigError(f"'stream.listen' in {origin} must be PORT or HOST:PORT with a numeric address, "
                              f"e.g. 8080 or 0.0.0.0:8080, not {config.stream.listen!r}.") from None


def _topic_level_ok(text: str, allow_slash: bool) -> bool:
    levels = text.split("/") if allow_slash else [text]
    return all(level and "+" not in level and "#" not in level and "/" not in level for level in levels)


def parse_listen(text: str) -> tuple[str, int]:
    """"8080", "127.0.0.1:8080", "0.0.0.0:8080" or "[::]:8080" -> (host, port); no host means 127.0.0.1."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    number = int(port)
    if not 0 <= number <= 65535:
        raise ValueError(port)
    if host != "localhost":
        ipaddress.ip_address(host)
    return host, number


def parse_mqtt_url(text: str) -> dict:
    """mqtt://[user@]host[:port][/prefix] (mqtts:// for TLS) -> the [mqtt] keys it sets."""
    url = urllib.parse.urlsplit(text.strip())
    if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
        raise ConfigError(f"--mqtt {text!r} must look like mqtt://host:1883/prefix (or mqtts:// for TLS).")
    if url.password:
        raise ConfigError("Put the MQTT password in $EDGECAM_MQTT_PASSWORD, not in the URL, "
                          "where every user of this machine can read it in the process list.")
    tls = url.scheme == "mqtts"
    try:
        port = url.port or (8883 if tls else 1883)
    except ValueError:
        raise ConfigError(f"--mqtt {text!r} has a bad port.") from None
    values = {"broker": url.hostname, "port": port, "tls": tls}
    if url.path.strip("/"):
        values["prefix"] = url.path.strip("/")
    if url.username:
        values["username"] = urllib.parse.unquote(url.username)
    return values


def parse_roi(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or values[2] <= 0 or values[3] <= 0 or min(values) < 0:
        raise ConfigError(f"--roi {text!r} must be x,y,w,h in pixels, e.g. 160,120,320,160.")
    return values


def to_toml(config: Config) -> str:
    """The effective config as TOML (for 'edgecam config show')."""
    lines = []
    for name, section in config.to_dict().items():
        lines.append(f"[{name}]")
        for key, value in section.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return repr(value)
