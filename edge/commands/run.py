"""``edgecam run``, ``edgecam read`` and ``edgecam config show``: the device's commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from edgecam.edge import config as configuration
from edgecam.edge.errors import ConfigError
from edgecam.edge.sources.capture import read_image

config_app = typer.Typer(help="Inspect the configuration the loop would run with.", no_args_is_help=True)

CONFIG_HELP = "TOML config file; flags given here override it."


def effective_config(
    config_file: Path | None,
    source=None,
    loop=None,
    display=None,
    roi=None,
    faces=None,
    digits=None,
    record=None,
    events=None,
    max_frames=None,
    threads=None,
    detect_every=None,
    recognize_every=None,
    calibration=None,
    stream=None,
    stream_token=None,
    mqtt=None,
    snapshots=None,
) -> configuration.Config:
    """The file's config with each flag the user gave laid over it."""
    config = configuration.load(config_file)
    overrides = {
        ("source", "spec"): source,
        ("source", "loop"): loop,
        ("source", "calibration"): None if calibration is None else str(calibration),
        ("output", "display"): display,
        ("output", "record"): record,
        ("output", "events"): events,
        ("output", "max_frames"): max_frames,
        ("faces", "model"): None if faces is None else str(faces),
        ("faces", "detect_every"): detect_every,
        ("faces", "recognize_every"): recognize_every,
        ("digits", "model"): None if digits is None else str(digits),
        ("digits", "roi"): None if roi is None else configuration.parse_roi(roi),
        ("runtime", "threads"): threads,
        ("stream", "listen"): stream,
        ("stream", "token"): stream_token,
        ("snapshots", "folder"): None if snapshots is None else str(snapshots),
    }
    if mqtt is not None:
        overrides.update({("mqtt", key): value for key, value in configuration.parse_mqtt_url(mqtt).items()})
    return configuration.with_overrides(config, {key: value for key, value in overrides.items() if value is not None})


def run(
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    source: str | None = typer.Option(
        None,
        "--source",
        help="0 or /dev/video0 (camera), rtsp:// or http:// (stream), "
        "a video file, an image folder or glob, rpicam (the Pi camera via rpicam-vid), or picamera2.",
    ),
    loop: bool | None = typer.Option(None, "--loop/--no-loop", help="Start a video file again at its end."),
    display: bool | None = typer.Option(
        None, "--display/--headless", help="Show a window (q quits, s snapshot, p pause) or none."
    ),
    roi: str | None = typer.Option(None, "--roi", help="Where the digits are: x,y,w,h in frame pixels."),
    faces: Path | None = typer.Option(None, "--faces", help="Face model folder (faces.yml + faces.json)."),
    digits: Path | None = typer.Option(None, "--digits", help="Digit model (.onnx from 'edgecam export onnx')."),
    record: Path | None = typer.Option(None, "--record", help="Write the annotated video here (.mp4)."),
    events: Path | None = typer.Option(None, "--events", help="Append one JSON line per frame here."),
    max_frames: int | None = typer.Option(None, "--max-frames", min=0, help="Stop after N frames (0: never)."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="OpenCV and ONNX Runtime threads (default 1)."),
    detect_every: int | None = typer.Option(
        None, "--detect-every", min=1, help="Detect faces every N frames, track between."
    ),
    calibration: Path | None = typer.Option(
        None, "--calibration", help="Undistort with this camera calibration (.yml)."
    ),
    stream: str | None = typer.Option(
        None,
        "--stream",
        metavar="HOST:PORT",
        help="Serve the live page, /stream.mjpg, /snapshot.jpg, /healthz and /metrics "
        "here. A bare PORT listens on 127.0.0.1 only; 0.0.0.0:PORT opens it to the network.",
    ),
    stream_token: str | None = typer.Option(
        None,
        "--stream-token",
        help="Every route then wants this bearer token (or ?token=). Prefer $EDGECAM_STREAM_TOKEN: flags show in 'ps'.",
    ),
    mqtt: str | None = typer.Option(
        None,
        "--mqtt",
        metavar="URL",
        help="Publish changes, state and availability to "
        "a broker: mqtt://host:1883/prefix (mqtts:// for TLS). Password from "
        "$EDGECAM_MQTT_PASSWORD. Needs the 'mqtt' extra (paho-mqtt).",
    ),
    snapshots: Path | None = typer.Option(
        None,
        "--snapshots",
        metavar="DIR",
        help="Keep a JPEG of every scene change here (a face arrives or is "
        "renamed: the frame and the face; the card's text changes: the frame), "
        "listed in DIR/index.jsonl and on the live page. Retention: [snapshots].",
    ),
) -> None:
    """Run the live loop: capture, name faces, read the ROI's digits, draw, and show/record/log/stream.

    Example: `edgecam run --source 0 --faces models --digits models/digits.onnx --roi 160,300,320,140 --display`

    Watch it from another machine: `--stream 0.0.0.0:8080` with `EDGECAM_STREAM_TOKEN` set, then open
    `http://DEVICE:8080/?token=...`. Send a fleet's events to one broker: `--mqtt mqtt://broker:1883/edgecam`.

    Ctrl-C or SIGTERM stop after the current frame; the recording is finalised and the events flushed.
    """
    from edgecam.edge.loop import run as run_loop
    from edgecam.edge.timing import peak_rss_mb

    console = Console(stderr=True)
    config = effective_config(
        config_file,
        source,
        loop,
        display,
        roi,
        faces,
        digits,
        None if record is None else str(record),
        None if events is None else str(events),
        max_frames,
        threads,
        detect_every,
        calibration=calibration,
        stream=stream,
        stream_token=stream_token,
        mqtt=mqtt,
        snapshots=snapshots,
    )
    result = run_loop(config, log=lambda message: console.print(message, highlight=False))
    stages = ", ".join(f"{name} {s['p50_ms']:.2f}" for name, s in result.stages.items())
    console.print(
        f"{result.frames} frames in {result.seconds:.1f} s: [bold]{result.fps:.1f} FPS[/] "
        f"(stopped by {result.stopped_by}); per-stage p50 ms: {stages}; peak memory {peak_rss_mb():.0f} MB"
    )


@config_app.command("show")
def show(
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    source: str | None = typer.Option(None, "--source"),
    roi: str | None = typer.Option(None, "--roi"),
    faces: Path | None = typer.Option(None, "--faces"),
    digits: Path | None = typer.Option(None, "--digits"),
    threads: int | None = typer.Option(None, "--threads", min=1),
) -> None:
    """Print the effective config (file plus flags) as TOML; errors name the wrong key (exit 78)."""
    print(
        configuration.to_toml(
            effective_config(config_file, source, roi=roi, faces=faces, digits=digits, threads=threads)
        ),
        end="",
    )


def read(
    images: list[Path] = typer.Argument(..., help="Image files of cards, displays, forms."),
    digits: Path = typer.Option(..., "--digits", help="Digit model (.onnx)."),
    roi: str | None = typer.Option(None, "--roi", help="x,y,w,h to read; default the whole image."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per image per line."),
) -> None:
    """Read the handwritten digits in still images (the whole image, or the ROI).

    Example: `edgecam read card.jpg --digits models/digits.onnx --json`
    """
    from edgecam.edge.digits.model import DigitModel
    from edgecam.edge.digits.reader import DigitReader

    reader = DigitReader(DigitModel(digits))
    box = configuration.parse_roi(roi) if roi else None
    for path in images:
        frame = read_image(path)
        if box:
            x, y, w, h = box
            if x + w > frame.shape[1] or y + h > frame.shape[0]:
                raise ConfigError(f"--roi {roi} reaches outside {path} ({frame.shape[1]}x{frame.shape[0]}).")
            frame = frame[y : y + h, x : x + w]
        reading = reader.read(frame)
        if as_json:
            print(
                json.dumps({"image": str(path), "text": reading.text, "digits": [d.to_dict() for d in reading.digits]}),
                flush=True,
            )
        else:
            Console().print(f"{path}: {reading.text or '(no digits)'}  ({reading.confidence:.0%})", highlight=False)
