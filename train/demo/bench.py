"""``edgecam bench``: how fast the loop runs on this machine, stage by stage, against the tutorial.

The command lives beside the tutorial-style loop it compares against (``--baseline``, which
needs torch); the measuring itself is ``edgecam.edge.bench``, so a device without torch runs
the bench all the same.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import typer
from rich.console import Console
from rich.table import Table


def bench(
    source: str | None = typer.Option(
        None,
        "--source",
        help="What to measure on; default: a generated 640x480 "
        "clip (textured desk, a card of MNIST digits in an ROI, faces walking past "
        "when --faces-dataset is given), whose truth is known.",
    ),
    frames: int = typer.Option(300, "--frames", min=10, help="Frames to process (a file is looped)."),
    threads: int = typer.Option(1, "--threads", min=1, help="OpenCV / ONNX Runtime / PyTorch threads; 1 = a Pi core."),
    roi: str | None = typer.Option(None, "--roi", help="x,y,w,h of the digits (the generated clip knows its own)."),
    faces: Path | None = typer.Option(None, "--faces", help="Face model folder."),
    digits: Path | None = typer.Option(None, "--digits", help="Digit model (.onnx)."),
    faces_dataset: Path | None = typer.Option(None, "--faces-dataset", help="People for the generated clip."),
    baseline: bool = typer.Option(
        False,
        "--baseline",
        help="Also run the tutorial-style loop on the same frames "
        "(needs the 'train' extra and the digit checkpoint) and print the ratio.",
    ),
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="digits.pt for the baseline (default: beside --digits)."
    ),
    viewers: int = typer.Option(
        0,
        "--viewers",
        min=0,
        help="Also run with the web stream on and this many MJPEG viewers reading it, and report what streaming costs.",
    ),
    quota: float | None = typer.Option(
        None,
        "--quota",
        min=0.01,
        max=64.0,
        metavar="SHARE",
        help="Also run `edgecam run` on this share of one core (a cgroup CPU quota; needs root), fed "
        "the clip in real time at --pace: 0.25 of this machine's core stands in for a Pi's.",
    ),
    pace: float = typer.Option(30.0, "--pace", min=1, max=240, metavar="FPS", help="The camera's pace for --quota."),
    seconds: float = typer.Option(120.0, "--seconds", min=2, help="How long the --quota run lasts."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run the real loop without display and report FPS, per-stage p50/p95/max ms, peak RSS of
    `edgecam run` and CPU use; with --baseline, the speed-up over the tutorial-style loop.

    Example: `edgecam bench --faces models --digits models/digits.onnx --faces-dataset photos --baseline --threads 1`
    """
    from edgecam.edge import bench as measuring
    from edgecam.edge.config import Config
    from edgecam.edge.config_values import parse_roi

    cv2.setNumThreads(threads)
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="edgecam-bench-") as scratch:
        clip = None
        if source is None:
            clip = _generated_clip(Path(scratch) / "bench.mp4", frames, faces_dataset, console)
            source, roi_box = str(clip.path), list(clip.roi)
        else:
            roi_box = parse_roi(roi) if roi else []
        decoded, decode_ms = measuring.decode(source, frames)

        config = Config()
        config.source.spec = source
        config.faces.model = str(faces) if faces else ""
        config.digits.model, config.digits.roi = (str(digits) if digits else ""), roi_box
        config.runtime.threads = threads
        with console.status("Running the loop..."):
            report = measuring.run_pipeline(config, decoded, decode_ms)
        report["rss_mb"] = _run_rss(source, faces, digits, roi_box, threads, min(frames, 300))
        report["threads"], report["source"] = threads, "generated clip" if clip else source
        if viewers:
            with console.status(f"Running the loop with {viewers} stream viewer(s)..."):
                report["streamed"] = measuring.run_streamed(config, decoded, viewers)
        if quota is not None:
            from edgecam.edge.bench_paced import run_paced

            with console.status(f"Running the loop on {quota:g} of a core at {pace:g} FPS for {seconds:g} s..."):
                truth = [face[0] if face else None for face in clip.faces] if clip and faces else None
                run_args = _run_args(source, faces, digits, roi_box, threads)
                report["paced"] = run_paced(run_args, quota, pace, seconds, truth)
        if baseline:
            from edgecam.edge.extras import require

            require("torch", "train", "The baseline loop")
            from edgecam.train.demo.baseline import TutorialLoop

            loop = TutorialLoop(
                faces, checkpoint or (Path(digits).with_suffix(".pt") if digits else None), roi_box, threads
            )
            with console.status("Running the tutorial-style loop..."):
                base = measuring.measure(loop.process, decoded)
            report["baseline"] = {k: v for k, v in base.items() if k != "events"}
            report["speedup"] = round(report["fps"] / base["fps"], 2)
            if clip:
                report["baseline"]["accuracy"] = _accuracy(clip, base["events"])
        if clip:
            report["accuracy"] = _accuracy(clip, report["events"])
    del report["events"]
    if as_json:
        print(json.dumps(report))
        return
    _print(report, console)


def _generated_clip(path: Path, frames: int, faces_dataset: Path | None, console: Console):
    from edgecam.edge.scenes.clip import make_clip, people_photos
    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist, load_mnist

    mnist = load_mnist(ensure_mnist(default_data_dir(), console))
    people = people_photos(faces_dataset) if faces_dataset else None
    with console.status("Generating the benchmark clip..."):
        return make_clip(path, mnist.test_images, mnist.test_labels, seed=0, frames=min(frames, 300), people=people)


def _run_args(source: str, faces, digits, roi, threads: int) -> list[str]:
    """`edgecam run`'s arguments for the bench's source and models."""
    args = ["--source", source, "--threads", str(threads)]
    if faces:
        args += ["--faces", str(faces)]
    if digits:
        args += ["--digits", str(digits)]
    if roi:
        args += ["--roi", ",".join(map(str, roi))]
    return args


def _run_rss(source: str, faces, digits, roi, threads: int, frames: int) -> float:
    """Peak resident memory of a real `edgecam run` on the same source, in megabytes."""
    run = [sys.executable, "-m", "edgecam", "run", *_run_args(source, faces, digits, roi, threads)]
    command = [*run, "--headless", "--loop", "--max-frames", str(frames)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r"peak memory (\d+) MB", " ".join(result.stderr.split()))
    return float(found.group(1)) if found else float("nan")


def _accuracy(clip, events: list[dict]) -> dict:
    count = len(events)
    digits = sum(e.get("digits", {}).get("text") == clip.texts[e["frame"] % clip.frames] for e in events) / count
    result = {"digits_right": round(digits, 4)}
    if clip.faces and clip.faces[0] is not None:
        named = sum(any(f["name"] == clip.faces[e["frame"] % clip.frames][0] for f in e["faces"]) for e in events)
        result["faces_named"] = round(named / count, 4)
    return result


def _print(report: dict, console: Console) -> None:
    table = Table(title=f"{report['fps']:.1f} FPS over {report['frames']} frames, {report['threads']} thread(s)")
    for column in ("stage", "p50 ms", "p95 ms", "max ms"):
        table.add_column(column, justify="right" if column != "stage" else "left")
    for name, stats in report["stages"].items():
        table.add_row(name, f"{stats['p50_ms']:.2f}", f"{stats['p95_ms']:.2f}", f"{stats['max_ms']:.2f}")
    console.print(table)
    console.print(f"peak RSS of edgecam run {report['rss_mb']:.0f} MB, CPU {report['cpu_percent']:.0f} %")
    latency, interval = report["latency"], report["interval"]
    console.print(
        f"latency to output p50 {latency['p50_ms']:.1f}, p95 {latency['p95_ms']:.1f}, p99 {latency['p99_ms']:.1f}, "
        f"max {latency['max_ms']:.1f} ms; output interval p50 {interval['p50_ms']:.1f}, "
        f"p99 {interval['p99_ms']:.1f}, max {interval['max_ms']:.1f} ms; {report['skipped_frames']} frames skipped"
    )
    if "digit_reads" in report:
        reads, searches = report["digit_reads"], report["card_searches"]
        console.print(f"the card read on {reads} frames, looked for on {searches} of them")
    if "accuracy" in report:
        console.print(f"accuracy: {report['accuracy']}")
    if "streamed" in report:
        streamed = report["streamed"]
        console.print(
            f"with the stream on and {streamed['viewers']} viewer(s): {streamed['fps']:.1f} FPS, "
            f"{streamed['jpegs']} JPEGs for {streamed['frames']} frames "
            f"(p50 {streamed['jpeg_ms']['p50_ms']:.2f} ms each), viewers got {streamed['frames_received']}"
        )
    if "paced" in report:
        paced = report["paced"]
        latency = paced["latency"]
        console.print(
            f"on {paced['quota']:g} of a core at {paced['pace_fps']:g} FPS for {paced['seconds']:g} s: "
            f"{paced['fps']:.1f} FPS, latency p50 {latency['p50_ms']:.0f}, p95 {latency['p95_ms']:.0f} ms "
            f"(halves {paced['latency_p95_halves_ms']}), output interval p50 {paced['interval']['p50_ms']:.0f}, "
            f"p99 {paced['interval']['p99_ms']:.0f} ms; {paced['skipped_frames']} camera frames skipped, "
            f"{paced['face_skipped_frames']} by the face worker; CPU {paced['cpu_percent']:.0f} % of a core"
        )
        if "named_after_s" in paced:
            console.print(f"newcomers named after (s): {paced['named_after_s']}")
    if "baseline" in report:
        console.print(
            f"tutorial-style loop {report['baseline']['fps']:.1f} FPS "
            f"({report['baseline'].get('accuracy', '')}): [bold]{report['speedup']:.1f}x[/]"
        )
