"""Calibrate the exported model's probabilities (temperature scaling) on digits as the reader cuts
them out of camera-like cards, so "95 % sure" on the device means right 95 times in 100.

The cards are the project's own (``edge.scenes.cards``) written with the first half of MNIST's
test digits; the second half, and the held-out camera effects and writers of
``tests/digit_card_benchmark.py``, are never seen here.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.digits.model import DigitModel
from edgecam.edge.digits.reader import ink_map, ink_mask, mnist_crop
from edgecam.edge.digits.segment import ReaderSettings, digit_boxes
from edgecam.edge.scenes.cards import make_card

CALIBRATION_DIGITS = slice(0, 5000)  # of MNIST's test set; the benchmark writes with the rest


def card_crops(images: np.ndarray, labels: np.ndarray, cards: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The reader's crops of ``cards`` generated cards and their true digits (cards whose
    segmentation found as many digits as were written: the rest cannot be lined up)."""
    rng = np.random.default_rng(seed)
    crops, truths = [], []
    for _ in range(cards):
        card = make_card(images, labels, rng)
        grey = cv2.cvtColor(card.image, cv2.COLOR_BGR2GRAY)
        ink = ink_map(grey)
        boxes = digit_boxes(ink_mask(ink), grey.shape, ReaderSettings())
        if len(boxes) == len(card.text):
            crops += [mnist_crop(ink, box) for box in boxes]
            truths += [int(c) for c in card.text]
    return np.stack(crops), np.array(truths)


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
    crops, truths = card_crops(images[CALIBRATION_DIGITS], labels[CALIBRATION_DIGITS], cards)
    logits = DigitModel(model_path).logits(crops)
    temperature = fit_temperature(logits, truths)
    right = logits.argmax(axis=1) == truths
    return {
        "temperature": round(temperature, 4),
        "calibration_digits": len(truths),
        "crop_accuracy": float(right.mean()),
    }
