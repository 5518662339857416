"""Training digits cut out of camera views of cards: each under its own label, and the same on
any number of workers."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")  # the typeset digits come with the train extra

from edgecam.train.digits.card_crops import card_crops
from edgecam.train.digits.printed import printed_digits


def _unit(images: np.ndarray) -> np.ndarray:
    flat = images.reshape(len(images), -1).astype(np.float32)
    flat -= flat.mean(axis=1, keepdims=True)
    return flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-6)


def test_each_crop_is_the_digit_written_there_on_one_worker_or_two():
    # Cards written in typefaces: each crop must match its own digit's glyphs better than any other's.
    glyphs, digits = printed_digits()
    crops, labels = card_crops(glyphs, digits, 60, seed=3, workers=1)
    again, labels_again = card_crops(glyphs, digits, 60, seed=3, workers=2)
    assert np.array_equal(crops, again) and np.array_equal(labels, labels_again)
    assert len(crops) >= 60  # 1-4 digits a card; cards the reader doubts give none
    assert crops.shape[1:] == (28, 28) and crops.dtype == np.uint8 and set(labels.tolist()) == set(range(10))
    similarity = _unit(crops) @ _unit(glyphs).T
    best = np.array([[similarity[i, digits == d].max() for d in range(10)] for i in range(len(crops))])
    assert (best.argmax(axis=1) == labels).mean() >= 0.9
    shuffled = np.random.default_rng(0).permutation(labels)  # the same test fails on crops out of line
    assert (best.argmax(axis=1) == shuffled).mean() < 0.5
