"""``edgecam export``: the digit checkpoint to a verified ONNX model."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from edgecam.edge.extras import require

app = typer.Typer(
    help="Turn a trained checkpoint into the ONNX model the device runs (needs the 'train' extra).",
    no_args_is_help=True,
)


@app.command()
def onnx(
    checkpoint: Path = typer.Argument(..., help="A digits.pt written by 'edgecam train digits'."),
    out: Path = typer.Option(Path("models/digits.onnx"), "--out", help="The .onnx file to write (self-contained)."),
    int8: bool = typer.Option(False, "--int8", help="Write a statically quantised int8 (QDQ) model instead of fp32."),
    opset: int = typer.Option(18, "--opset", min=13, help="ONNX opset to target."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="MNIST folder (default ~/.cache/edgecam/mnist)."),
    calibration_images: int = typer.Option(
        500, "--calibration-images", min=10, help="Training digits used to calibrate int8."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the verification report as one JSON object."),
) -> None:
    """Export, run onnx.checker, verify against PyTorch on all 10,000 MNIST test digits, and time it.

    The model carries its normalisation, labels, arch, accuracy and the checkpoint's SHA-256 as
    metadata. A model that fails verification is not written.

    Example: `edgecam export onnx models/digits.pt --out models/digits.onnx`
    """
    require("torch", "train", "Exporting")
    require("onnxscript", "train", "Exporting")
    from edgecam.edge.scenes.mnist import default_data_dir
    from edgecam.export.job import export_onnx

    console = Console(stderr=True)
    report = export_onnx(checkpoint, out, int8, opset, data_dir or default_data_dir(), console, calibration_images)
    if as_json:
        print(json.dumps(report))
        return
    console.print(
        f"[green]{report['path']}[/] ({report['precision']}, {report['size_bytes'] / 1024:.0f} KiB): "
        f"agreement {report['agreement']:.2%}, max |diff| {report['max_abs_diff']:.1e}, "
        f"accuracy {report['onnx_accuracy']:.2%} (PyTorch {report['torch_accuracy']:.2%}), "
        f"{report['latency_ms_batch1']:.3f} ms per digit on one thread"
    )
    if "fp32" in report:
        verdict = "faster" if report["int8_faster"] else "NOT faster"
        console.print(
            f"int8 is {verdict} than fp32 here: {report['latency_ms_batch1']:.3f} vs "
            f"{report['fp32']['latency_ms_batch1']:.3f} ms, {report['size_bytes']} vs "
            f"{report['fp32']['size_bytes']} bytes, accuracy drop {report['accuracy_drop_points']:.2f} points"
        )
