"""``edgecam run``: the live loop, from a camera, a file or a stream, to a window, files, a page and a broker."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from edgecam.edge.commands.config_show import CONFIG_HELP
from edgecam.edge.settings import Flags, from_environment


def run(
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    source: str | None = typer.Option(
        None,
        "--source",
        help="0 or /dev/video0 (camera), rtsp:// or http:// (stream), "
        "a video file, an image folder or glob, rpicam (the Pi camera via rpicam-vid), or picamera2.",
    ),
    loop: bool | None = typer.Option(None, "--loop/--no-loop", help="Start a video file again at its end."),
    pace: float | None = typer.Option(
        None,
        "--pace",
        min=0,
        metavar="FPS",
        help="Play a video file in real time at FPS, as a camera would: frames the loop is too slow "
        "for are skipped and counted (measure a slow machine against a camera's pace).",
    ),
    display: bool | None = typer.Option(
        None, "--display/--headless", help="Show a window (q quits, s snapshot, p pause) or none."
    ),
    roi: str | None = typer.Option(None, "--roi", help="Where the digits are: x,y,w,h in frame pixels."),
    faces: Path | None = typer.Option(None, "--faces", help="Face model folder (faces.yml + faces.json)."),
    library: Path | None = typer.Option(
        None,
        "--library",
        metavar="DIR",
        help="The face library (DIR/NAME/*.jpg) the model was trained from: the live page's setup "
        "adds people to it and retrains from it while the loop runs.",
    ),
    digits: Path | None = typer.Option(None, "--digits", help="Digit model (.onnx from 'edgecam export onnx')."),
    record: Path | None = typer.Option(None, "--record", help="Write the annotated video here (.mp4)."),
    events: Path | None = typer.Option(None, "--events", help="Append one JSON line per frame here."),
    max_frames: int | None = typer.Option(None, "--max-frames", min=0, help="Stop after N frames (0: never)."),
    threads: int | None = typer.Option(
        None,
        "--threads",
        min=1,
        help="OpenCV and ONNX Runtime threads (default 1); 2 or more find faces beside the picture.",
    ),
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
    flags = Flags(
        source=source,
        loop=loop,
        pace=pace,
        display=display,
        roi=roi,
        faces=faces,
        library=library,
        digits=digits,
        record=record,
        events=events,
        max_frames=max_frames,
        threads=threads,
        detect_every=detect_every,
        calibration=calibration,
        stream=stream,
        stream_token=stream_token,
        mqtt=mqtt,
        snapshots=snapshots,
    )
    config, secrets = from_environment(config_file, flags)
    result = run_loop(
        config, config_file=config_file, log=lambda message: console.print(message, highlight=False), secrets=secrets
    )
    stages = ", ".join(f"{name} {s['p50_ms']:.2f}" for name, s in result.stages.items())
    latency = result.output.get("latency")
    to_output = f"latency to output p50 {latency['p50_ms']:.1f}, p95 {latency['p95_ms']:.1f} ms; " if latency else ""
    console.print(
        f"{result.frames} frames in {result.seconds:.1f} s: [bold]{result.fps:.1f} FPS[/] "
        f"(stopped by {result.stopped_by}); per-stage p50 ms: {stages}; {to_output}peak memory {peak_rss_mb():.0f} MB"
    )
    if result.skipped:
        console.print(f"{result.skipped} frame(s) of the camera came faster than the loop and were skipped.")
    if result.face_skipped:
        console.print(
            f"{result.face_skipped} frame(s) went by while faces were being found on another; "
            "they were drawn with the faces found last."
        )
    if result.undecodable:
        console.print(f"{result.undecodable} frame(s) of the source would not decode and were skipped.")
