"""One validated configuration, from a TOML file and command-line flags, for the whole loop.

(What a single value may be, and the flags' shorthands, are edge.config_values.)

Each TOML table is a pydantic model that forbids keys it does not know and
checks every value strictly (a string where a number belongs is an error, not
a guess). An unknown key or a wrong value is a ConfigError naming the key
(exit 78, so systemd does not restart-loop on it). Every key has a default and
a help text; ``edgecam config show`` prints all three.
"""

from __future__ import annotations

import ssl
import tomllib
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from edgecam.edge.config_values import Text, parse_listen, topic_levels_ok, writable_place
from edgecam.edge.digits.sure_level import SURE
from edgecam.edge.errors import ConfigError


class Section(BaseModel):
    # Infinity and NaN pass for floats unless refused: a state every inf seconds is no config.
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, allow_inf_nan=False)


class SourceConfig(Section):
    spec: Text = Field(
        "0", description="camera index, /dev/videoN, URL, video file, image folder or glob, rpicam, picamera2"
    )
    loop: bool = Field(False, description="start a video file again at its end")
    width: int = Field(640, ge=16, le=8192, description="the Pi camera's frame width (rpicam, picamera2)")
    height: int = Field(480, ge=16, le=8192, description="the Pi camera's frame height (rpicam, picamera2)")
    fps: float = Field(30.0, gt=0, le=240, description="the Pi camera's frame rate (rpicam, picamera2)")
    calibration: Text = Field(
        "", description="camera intrinsics (YAML from 'edgecam calibrate camera') to undistort with"
    )
    pace: float = Field(
        0.0,
        ge=0,
        le=240,
        description="play a video file in real time at this many frames a second, as a camera "
        "(frames the loop is too slow for are skipped); 0 = every frame, as fast as the loop goes",
    )


class FacesConfig(Section):
    model: Text = Field("", description="folder with faces.yml + faces.json; empty = no face recognition")
    threshold: float = Field(
        -1.0,
        le=1e6,
        description="a raw LBPH distance beyond which a face is unknown; negative = the model's calibrated rule",
    )
    library: Text = Field(
        "",
        description="the face library, a folder of person folders (NAME/*.jpg) the model was trained from; "
        "the live page's setup adds people to it and retrains from it; empty = the page can only rename",
    )
    yunet: Text = Field("", description="YuNet .onnx to detect with instead of Haar")
    detect_every: int = Field(
        4, ge=1, le=1000, description="run the (fast) detector every N frames and track in between"
    )
    recognize_every: int = Field(
        6, ge=1, le=1000, description="recognise a track every N detections, after its first three"
    )
    watch_changes: bool = Field(
        True,
        description="between detections, look at once where the picture changed (someone stepped in or out); Haar only",
    )


class DigitsConfig(Section):
    model: Text = Field("", description="the exported .onnx; empty = no digit reading")
    roi: list[int] = Field(default_factory=list, description="x, y, w, h in frame pixels; empty = whole frame")
    corners: list[int] = Field(
        default_factory=list, description="x1,y1..x4,y4 of a tilted card, clockwise; overrides roi"
    )
    min_probability: float = Field(0.0, ge=0, le=1, description="digits less sure than this are left out")
    sure: float = Field(
        SURE,
        ge=0,
        le=1,
        description="a digit less probable than this (calibrated), on a read or on average over the card's"
        " last reads, makes the card read as unsure",
    )
    stable_frames: int = Field(
        2, ge=1, le=1000, description="a new text is shown once read with confidence this many times in a row"
    )

    @field_validator("roi")
    @classmethod
    def _box(cls, roi: list[int]) -> list[int]:
        if roi and (len(roi) != 4 or min(roi) < 0 or roi[2] <= 0 or roi[3] <= 0 or max(roi) > 100_000):
            raise ValueError("must be four numbers x, y, w, h in pixels with w and h above 0")
        return roi

    @field_validator("corners")
    @classmethod
    def _corners(cls, corners: list[int]) -> list[int]:
        if corners and (len(corners) != 8 or min(corners) < 0 or max(corners) > 100_000):
            raise ValueError("must be eight numbers x1, y1, ..., x4, y4")
        return corners


class OutputConfig(Section):
    display: bool = Field(False, description="show the annotated frames in a window")
    record: Text = Field("", description="annotated MP4 to write")
    events: Text = Field("", description="JSON lines to write, one per processed frame")
    max_frames: int = Field(
        0, ge=0, le=10**12, description="stop after N frames; 0 = run until the source ends or a signal"
    )

    @field_validator("record", "events")
    @classmethod
    def _output_file(cls, path: str, info: ValidationInfo) -> str:
        return writable_place(path, "recording" if info.field_name == "record" else "events")


class SnapshotsConfig(Section):
    folder: Text = Field(
        "",
        description="keep a JPEG of every face that arrives or is renamed and of every new "
        "card text here, with index.jsonl; empty = off",
    )
    max_files: int = Field(
        1000, ge=1, le=10**7, description="snapshots kept (a frame and its face crop count as one); the oldest go first"
    )
    max_days: float = Field(30.0, gt=0, le=36500, description="snapshots older than this many days are deleted")
    min_free_mb: int = Field(
        200, ge=0, le=10**8, description="no snapshot is written while the disk has less free space"
    )
    queue: int = Field(
        8,
        ge=1,
        le=10_000,
        description="snapshots waiting for the writer thread; beyond it they are dropped and counted, never waited for",
    )
    history: int = Field(12, ge=0, le=1000, description="snapshots the live page lists, newest first")

    @field_validator("folder")
    @classmethod
    def _folder(cls, folder: str) -> str:
        if folder and Path(folder).exists() and not Path(folder).is_dir():
            raise ValueError("is a file, not a folder")
        return writable_place(folder, "snapshots") if folder and not Path(folder).is_dir() else folder


class StreamConfig(Section):
    listen: Text = Field(
        "", description="PORT or HOST:PORT for the live page, MJPEG, /healthz and /metrics; empty = off"
    )
    token: Text = Field(
        "", description="every route then wants it; $EDGECAM_STREAM_TOKEN wins and keeps it out of files"
    )
    quality: int = Field(80, ge=1, le=100, description="JPEG quality, 1-100")
    max_viewers: int = Field(
        8, ge=1, le=1000, description="more MJPEG viewers than this get 503: each one costs a thread and bandwidth"
    )

    @field_validator("listen")
    @classmethod
    def _listen(cls, listen: str) -> str:
        if listen:
            try:
                parse_listen(listen)
            except ValueError:
                raise ValueError(
                    f"must be PORT or HOST:PORT with a numeric address, e.g. 8080 or 0.0.0.0:8080, not {listen!r}"
                ) from None
        return listen


class MqttConfig(Section):
    broker: Text = Field("", description="host name or address; empty = no MQTT")
    port: int = Field(1883, ge=1, le=65535, description="the broker's port")
    tls: bool = Field(False, description="connect with TLS")
    ca_file: Text = Field("", description="CA bundle for TLS; empty = the system's")
    prefix: Text = Field("edgecam", description="topics are <prefix>/<device>/events|state|available")
    device: Text = Field("", description="empty = this machine's hostname")
    client_id: Text = Field("", description="empty = this machine's hostname")
    username: Text = Field(
        "", description="$EDGECAM_MQTT_USERNAME wins; the password comes only from $EDGECAM_MQTT_PASSWORD"
    )
    state_every: float = Field(10.0, ge=0.5, le=86400, description="seconds between retained state messages")
    queue: int = Field(
        1000,
        ge=1,
        le=10**6,
        description="messages held while the broker is away; beyond it the oldest are dropped and counted",
    )
    discovery: bool = Field(
        False,
        description="announce the device's sensors to Home Assistant (MQTT discovery); "
        "'edgecam mqtt forget' removes them",
    )
    discovery_prefix: Text = Field("homeassistant", description="Home Assistant's discovery prefix")

    @field_validator("prefix", "discovery_prefix")
    @classmethod
    def _prefix(cls, prefix: str) -> str:
        if not topic_levels_ok(prefix.split("/")):
            raise ValueError("must be a topic without +, # or empty levels")
        return prefix

    @field_validator("device")
    @classmethod
    def _device(cls, device: str) -> str:
        if device and not topic_levels_ok([device]):
            raise ValueError("must be one topic level (no /, + or #)")
        return device

    @field_validator("client_id", "broker", "device", "username")
    @classmethod
    def _short(cls, text: str) -> str:
        if len(text) > 256:
            raise ValueError(f"must be at most 256 characters, not {len(text)}")
        return text

    @model_validator(mode="after")
    def _ca_file_loads(self) -> MqttConfig:
        if self.tls and self.ca_file:
            try:
                ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as error:
                why = getattr(error, "strerror", None) or error
                raise ValueError(f"ca_file {self.ca_file} is not a CA bundle that loads ({why})") from None
        return self


class RuntimeConfig(Section):
    threads: int = Field(
        1,
        ge=1,
        le=64,
        description="OpenCV and ONNX Runtime threads; 2 or more also find faces on a worker thread "
        "beside the picture; 1 is the Pi-like figure",
    )


class Config(Section):
    source: SourceConfig = Field(default_factory=SourceConfig)
    faces: FacesConfig = Field(default_factory=FacesConfig)
    digits: DigitsConfig = Field(default_factory=DigitsConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    snapshots: SnapshotsConfig = Field(default_factory=SnapshotsConfig)
    stream: StreamConfig = Field(default_factory=StreamConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)


def load(path: Path | None) -> Config:
    """Read and validate ``path`` (or defaults when None)."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        if not path.is_file():
            raise ConfigError(f"No config file at {str(path)[:200]}.")
        text = path.read_text(encoding="utf-8")
    except OSError as error:  # a name too long, a folder we may not read, ...
        raise ConfigError(f"The config file {str(path)[:200]} cannot be read ({error.strerror or error}).") from None
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}.") from error
    except RecursionError:
        raise ConfigError(f"{path} nests arrays or tables deeper than a config ever needs.") from None
    except ValueError as error:  # an integer of thousands of digits
        raise ConfigError(f"{path} holds a value edgecam will not read ({error}).") from None
    return from_dict(data, str(path))


def from_dict(data: dict, origin: str = "config") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_sentence(error.errors()[0], origin)) from None
    except RecursionError:  # a deeply nested value given where a number or a name belongs
        raise ConfigError(f"A value in {origin} nests deeper than a config ever needs.") from None


def with_overrides(
    config: Config, overrides: dict[tuple[str, str], object], origin: str = "the command line"
) -> Config:
    """``config`` with each (section, key) -> value laid over it, validated as a whole."""
    data = config.model_dump()
    for (section, key), value in overrides.items():
        data[section][key] = value
    return from_dict(data, origin)


def _sentence(error: ErrorDetails, origin: str) -> str:
    """One pydantic error as the sentence a user reads: which key, what it must be."""
    loc = [str(part) for part in error["loc"]]
    section = loc[0]
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        return f"Unknown section [{section}] in {origin}; known: {', '.join(Config.model_fields)}."
    if error["type"] == "model_type" and len(loc) == 1:
        return f"'{section}' in {origin} must be a table ([{section}])."
    key = ".".join(loc[:2])
    if error["type"] == "extra_forbidden":
        table = Config.model_fields[section].annotation
        known = ", ".join(table.model_fields if isinstance(table, type) and issubclass(table, BaseModel) else [])
        return f"Unknown key '{key}' in {origin}; known keys of [{section}]: {known}."
    if error["type"] == "value_error":  # our own validators already say "must ..."
        return f"'{key}' in {origin} {error['msg'].removeprefix('Value error, ')}."
    # pydantic's "Input should be a valid integer" -> "must be a valid integer, not 'two'"
    message = error["msg"].replace("Input should be", "must be").replace("List should", "must")
    if not message.startswith("must"):
        message = f"is wrong: {message}"
    shown = repr(error["input"])
    return f"'{key}' in {origin} {message}, not {shown if len(shown) <= 80 else shown[:77] + '...'}."


def to_toml(config: Config) -> str:
    """The effective config as TOML, each key with its default and help as a comment
    (for 'edgecam config show')."""
    lines = []
    for name, section in config:
        lines.append(f"[{name}]")
        for key, field in type(section).model_fields.items():
            default = field.get_default(call_default_factory=True)
            lines.append(
                f"{key} = {_toml_value(getattr(section, key))}  # default {_toml_value(default)}; {field.description}"
            )
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
