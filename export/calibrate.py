"""Calibrate the exported model's probabilities (temperature scaling) on digits as the reader cuts
them out of cards seen by a camera, so "95 % sure" on the device means right 95 times in 100.

The crops are made as training makes its own (``train/digits/card_crops.py``: the project's
cards on its desk, tilted, through the calibration family of camera effects, found and cut by
the reader's code), but written with the first half of MNIST's test digits. The second half,
and the held-out camera effects and writers of ``tests/digit_card_benchmark.py``, are never
seen here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgecam.edge.digits.model import DigitModel
from edgecam.train.digits.card_crops import card_crops

CALIBRATION_DIGITS = slice(0, 5000)  # of MNIST's test set; the benchmark writes with the rest
CALIBRATION_SEED = 5  # training's card crops are seeded by its own recipe, and written with other digits


def fit_temperature(logits: np.ndarray, truths: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of the true digits."""
    best, best_loss = 1.0, np.inf
    for temperature in np.exp(np.linspace(np.log(0.1), np.log(10), 400)):
        scaled = logits / temperature
        scaled = scaled - scaled.max(axis=1, keepdims=True)
        log_probabilities = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        loss = -log_probabilities[np.arange(len(truths)), truths].mean()
        if loss < best_loss:
            best, best_loss = float(temperature), float(loss)
    return best


def calibrate(model_path: Path, images: np.ndarray, labels: np.ndarray, cards: int = 1500) -> dict:
    """Fit the temperature of the ONNX model at ``model_path`` (not yet calibrated); a report."""
    crops, truths = card_crops(images[CALIBRATION_DIGITS], labels[CALIBRATION_DIGITS], cards, CALIBRATION_SEED)
    logits = DigitModel(model_path).logits(crops)
    temperature = fit_temperature(logits, truths)
    right = logits.argmax(axis=1) == truths
    return {
        "temperature": round(temperature, 4),
        "calibration_digits": len(truths),
        "crop_accuracy": float(right.mean()),
    }
