"""``edgecam demo``: the whole product on a machine with no camera, in one command.

Makes sure the models exist (a quick digit training and export if not), writes
a camera-like clip of real MNIST test digits on paper (and faces, given a face
dataset), runs the live loop on it headless, and reports speed and accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from edgecam.edge.extras import require

DEMO_EPOCHS = 3  # about 2.5 minutes on 2 cores, ~99.2 % on MNIST: plenty for the demo
DEMO_CARDS = 3000  # digits cut from camera views of cards: under a minute on 2 cores


def demo(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Where the clip, the annotated video and the events go."),
    models: Path = typer.Option(
        Path("models"), "--models", help="Model folder: reused if it holds them, filled if not."
    ),
    faces_dataset: Path | None = typer.Option(
        None,
        "--faces-dataset",
        help="A face dataset (DATASET/NAME/*.jpg): its people walk through the clip and are named.",
    ),
    frames: int = typer.Option(150, "--frames", min=10, help="Length of the generated clip."),
    threads: int = typer.Option(1, "--threads", min=1, help="Threads for the loop (1 = a Pi core)."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="MNIST folder (default ~/.cache/edgecam/mnist)."),
) -> None:
    """Train or reuse the models, generate a clip, run the live loop on it headless, print the FPS.

    Example: `edgecam demo` (first run about 4 minutes: it trains the digit model).
    """
    require("torch", "train", "The demo (it trains the digit model when it is missing)")
    from edgecam.edge.config import Config
    from edgecam.edge.loop import run
    from edgecam.edge.scenes.clip import make_clip, people_photos
    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist, load_mnist

    console = Console(stderr=True)
    data_dir = data_dir or default_data_dir()
    digits_model = _ensure_digits(models, data_dir, console)
    people = None
    if faces_dataset:
        _ensure_faces(models, faces_dataset, console)
        people = people_photos(faces_dataset)
    mnist = load_mnist(ensure_mnist(data_dir, console))
    out.mkdir(parents=True, exist_ok=True)
    with console.status("Writing the demo clip..."):
        clip = make_clip(out / "demo_input.mp4", mnist.test_images, mnist.test_labels, frames=frames, people=people)

    config = Config()
    config.source.spec = str(clip.path)
    config.digits.model, config.digits.roi = str(digits_model), list(clip.roi)
    config.faces.model = str(models) if faces_dataset else ""
    config.output.record, config.output.events = str(out / "demo_annotated.mp4"), str(out / "demo_events.jsonl")
    config.runtime.threads = threads
    (out / "demo_events.jsonl").unlink(missing_ok=True)
    result = run(config, log=lambda message: console.print(message, highlight=False))

    events = [json.loads(line) for line in (out / "demo_events.jsonl").read_text().splitlines() if '"frame"' in line]
    right = sum(e["digits"]["text"] == clip.texts[e["frame"]] for e in events)
    console.print(
        f"Cards read right in {right}/{len(events)} frames; annotated video {out / 'demo_annotated.mp4'}, "
        f"events {out / 'demo_events.jsonl'}"
    )
    if faces_dataset:
        named = sum(any(f["name"] == clip.faces[e["frame"]][0] for f in e["faces"]) for e in events)
        console.print(f"The walking person named right in {named}/{len(events)} frames")
    print(f"{result.fps:.1f} FPS ({result.frames} frames of 640x480, {threads} thread(s))")


def _ensure_digits(models: Path, data_dir: Path, console: Console) -> Path:
    onnx_path, checkpoint = models / "digits.onnx", models / "digits.pt"
    if onnx_path.is_file():
        console.print(f"Reusing {onnx_path}")
        return onnx_path
    if not checkpoint.is_file():
        from edgecam.train.digits.job import train_digits

        console.print(f"No digit model in {models}: training one quickly ({DEMO_EPOCHS} epochs)")
        train_digits(models, data_dir, "edge", False, "auto", None, console, epochs=DEMO_EPOCHS, cards=DEMO_CARDS)
    from edgecam.export.job import export_onnx

    report = export_onnx(checkpoint, onnx_path, False, 18, data_dir, console)
    console.print(f"Exported {onnx_path}: {report['onnx_accuracy']:.2%} on MNIST, agreement {report['agreement']:.2%}")
    return onnx_path


def _ensure_faces(models: Path, dataset: Path, console: Console) -> None:
    if (models / "faces.yml").is_file() and (models / "faces.json").is_file():
        console.print(f"Reusing {models / 'faces.yml'}")
        return
    from edgecam.train.faces.job import train_faces
    from edgecam.train.faces.options import crop_settings, detector_settings
    from edgecam.train.faces.training import LbphParams

    train_faces(dataset, models, detector_settings(), crop_settings(), LbphParams(), 40, None, console)
