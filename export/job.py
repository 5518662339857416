"""``edgecam export onnx`` end to end: export, check, verify on 10,000 digits, then publish."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from edgecam.edge.errors import VerificationFailed
from edgecam.edge.scenes.mnist import ensure_mnist, load_mnist
from edgecam.export import int8 as int8_quantizer
from edgecam.export.calibrate import calibrate
from edgecam.export.onnx_export import INPUT_NAME, check, export_fp32, metadata_for, model_from_checkpoint, set_metadata
from edgecam.export.verify import compare, latency_ms

INT8_MAX_DROP_POINTS = 0.3


def export_onnx(
    checkpoint: Path,
    out: Path,
    int8: bool,
    opset: int,
    data_dir: Path,
    console: Console,
    calibration_images: int = 500,
    tolerance: float = 1e-4,
) -> dict:
    model, state = model_from_checkpoint(checkpoint)
    mean, std = float(state["normalization"]["mean"][0]), float(state["normalization"]["std"][0])
    data = load_mnist(ensure_mnist(data_dir, console))
    metadata = metadata_for(state, checkpoint, opset)
    out.parent.mkdir(parents=True, exist_ok=True)

    # Everything is built in a scratch folder beside the destination and only a
    # verified model is renamed into place: a failed export leaves nothing behind.
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        with console.status("Exporting with torch.onnx (dynamo)..."):
            export_fp32(model, fp32, opset)
            set_metadata(fp32, metadata)
            check(fp32)
        report = _verify(model, fp32, data, mean, std, console, "fp32")
        if report["agreement"] < 0.9999 or report["max_abs_diff"] > tolerance:
            raise VerificationFailed(
                f"ONNX Runtime disagrees with PyTorch (agreement {report['agreement']:.4%}, max |diff| "
                f"{report['max_abs_diff']:.2e} > {tolerance:.0e}); nothing was written."
            )
        report.update(latency_ms_batch1=latency_ms(fp32), size_bytes=fp32.stat().st_size)
        final = fp32

        if int8:
            quantized = Path(scratch) / "int8.onnx"
            with console.status(f"Quantising to int8 (calibrated on {calibration_images} training digits)..."):
                int8_quantizer.quantize(fp32, quantized, INPUT_NAME, data.train_images[:calibration_images], mean, std)
                set_metadata(
                    quantized,
                    {
                        **metadata,
                        "precision": "int8",
                        "quantization": "static QDQ, per-channel 7-bit int8 weights, uint8 activations, "
                        f"{calibration_images} calibration images",
                    },
                )
                check(quantized)
            fp32_report = report
            report = _verify(model, quantized, data, mean, std, console, "int8")
            report.update(latency_ms_batch1=latency_ms(quantized), size_bytes=quantized.stat().st_size)
            report["accuracy_drop_points"] = round((fp32_report["onnx_accuracy"] - report["onnx_accuracy"]) * 100, 3)
            report["fp32"] = {k: fp32_report[k] for k in ("onnx_accuracy", "latency_ms_batch1", "size_bytes")}
            report["int8_faster"] = report["latency_ms_batch1"] < fp32_report["latency_ms_batch1"]
            if report["accuracy_drop_points"] > INT8_MAX_DROP_POINTS:
                raise VerificationFailed(
                    f"int8 loses {report['accuracy_drop_points']:.2f} accuracy points (limit {INT8_MAX_DROP_POINTS}); "
                    "nothing was written."
                )
            final = quantized
        with console.status("Calibrating the probabilities on digits cut from generated cards..."):
            calibration = calibrate(final, data.test_images, data.test_labels)
            set_metadata(final, {"temperature": str(calibration["temperature"])})
        report.update(calibration=calibration, size_bytes=final.stat().st_size)
        os.replace(final, out)

    report.update(
        path=str(out),
        precision="int8" if int8 else "fp32",
        opset=opset,
        exporter=metadata["exporter"],
        checkpoint_sha256=metadata["checkpoint_sha256"],
        checker="passed",
    )
    return report


def _verify(model, path: Path, data, mean: float, std: float, console: Console, label: str) -> dict:
    columns = (TextColumn(f"verifying {label} on the MNIST test set"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=len(data.test_images))
        return compare(
            model,
            path,
            data.test_images,
            data.test_labels.astype(int),
            mean,
            std,
            on_batch=lambda n: progress.advance(task, n),
        )
