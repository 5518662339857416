"""Check an ONNX digit model against PyTorch on the whole MNIST test set, and time it."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from edgecam.edge.digits.model import DigitModel, session_options


def compare(
    model: torch.nn.Module,
    onnx_path: Path,
    images: np.ndarray,
    labels: np.ndarray,
    mean: float,
    std: float,
    on_batch=None,
    batch: int = 1000,
) -> dict:
    """Argmax agreement, max |difference| of scores, and both accuracies on ``images`` (uint8)."""
    digits = DigitModel(onnx_path, threads=ort_threads())
    torch_best, onnx_best, max_diff = [], [], 0.0
    for start in range(0, len(images), batch):
        pixels = torch.from_numpy(np.array(images[start : start + batch])).float().div(255).unsqueeze(1)
        normalised = (pixels - mean) / std
        with torch.no_grad():
            expected = model(normalised).numpy()
        actual = digits.scores(normalised.numpy())
        max_diff = max(max_diff, float(np.abs(expected - actual).max()))
        torch_best.append(expected.argmax(1))
        onnx_best.append(actual.argmax(1))
        if on_batch:
            on_batch(len(pixels))
    torch_all, onnx_all = np.concatenate(torch_best), np.concatenate(onnx_best)
    return {
        "agreement": float(np.mean(torch_all == onnx_all)),
        "max_abs_diff": max_diff,
        "onnx_accuracy": float(np.mean(onnx_all == labels)),
        "torch_accuracy": float(np.mean(torch_all == labels)),
        "images": len(images),
    }


def latency_ms(path: Path, batch: int = 1, runs: int = 300) -> float:
    """Median milliseconds of one ORT call on one thread: the Pi-like figure."""
    session = ort.InferenceSession(str(path), session_options(1), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    feed = {name: np.random.default_rng(0).standard_normal((batch, 1, 28, 28)).astype(np.float32)}
    for _ in range(20):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def ort_threads() -> int:
    return max(1, torch.get_num_threads())
