"""Digits as the reader cuts them out of a card seen by a camera, for training.

MNIST's digits are clean scans. The reader's crops are not: the card is found in a frame,
warped upright from an angle, flattened, thresholded and cut apart, and a soft or noisy
picture leaves its mark on every crop. The model was sure of MNIST's own digits and unsure of
too many of these. Training on crops made by the reader itself closes that gap.

The cards are written with training digits, set on the project's desk, and put through the
calibration family of camera effects (``edgecam.train.faces.camera``). The held-out benchmark's
effects (``tests/heldout_camera.py``) and writers are never called here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

from edgecam.edge.digits.card_find import CardFinder
from edgecam.edge.digits.reader import FITS, cut_digits, mnist_crop
from edgecam.edge.digits.segment import ReaderSettings
from edgecam.edge.scenes.card_views import in_view
from edgecam.edge.scenes.cards import make_card, printed_card
from edgecam.edge.scenes.clip import desk
from edgecam.train.faces.camera import camera_effects

MAX_TILT = 40.0  # degrees out of the card's plane
CHUNK = 250  # cards per task: each chunk has its own seed, so the crops do not depend on the workers
DESKS = 8  # desks drawn per chunk and reused: drawing one costs as much as finding the card
MARGIN = 24  # px of desk kept around the card: the camera effects and the search need no more


def card_crops(
    images: np.ndarray,
    labels: np.ndarray,
    cards: int,
    seed: int,
    on_cards: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The reader's 28x28 crops of ``cards`` camera views of cards written with ``images``, and
    their labels, made on ``workers`` processes (default: one per core). ``on_cards`` hears how
    many cards are done so far. The same seed gives the same crops on any number of workers.
    The workers are fresh processes: a script that calls this needs ``if __name__ == "__main__"``."""
    chunks = [(min(CHUNK, cards - start), (seed, start)) for start in range(0, cards, CHUNK)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = max(1, min(workers or cores, len(chunks)))
    results: list[tuple[np.ndarray, np.ndarray]] = []

    def collect(made: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        for result in made:
            results.append(result)
            if on_cards:
                on_cards(min(len(results) * CHUNK, cards))

    if workers == 1:
        _remember(images, labels)
        collect(_chunk(*chunk) for chunk in chunks)
    else:
        # Fresh processes, not forks: the trainer's threads (PyTorch's, OpenCV's) do not survive a
        # fork safely. The digits travel to each worker once, not with every chunk.
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_remember,
            initargs=(images, labels),
        ) as pool:
            collect(pool.map(_chunk, *zip(*chunks, strict=True)))
    none = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
    return np.concatenate([none[0], *(c for c, _ in results)]), np.concatenate([none[1], *(t for _, t in results)])


_writer: dict[str, np.ndarray] = {}  # the digits this process writes cards with


def _remember(images: np.ndarray, labels: np.ndarray) -> None:
    _writer.update(images=images, labels=labels)


def _chunk(cards: int, seed: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The crops and labels of ``cards`` cards. A card the reader would not trust (not found, a
    doubt, a digit missed or split) gives none: they could not be lined up with what was written."""
    images, labels = _writer["images"], _writer["labels"]
    rng = np.random.default_rng(seed)
    finder, settings = CardFinder(), ReaderSettings()
    desks = [desk(rng) for _ in range(DESKS)]
    crops: list[np.ndarray] = []
    truths: list[int] = []
    for _ in range(cards):
        if rng.random() < 0.5:
            card = printed_card(images, labels, rng)
        else:
            card = make_card(images, labels, rng, size=(int(rng.integers(300, 480)), int(rng.integers(160, 260))))
        view = in_view(card.image, desks[int(rng.integers(DESKS))], rng, rng.uniform(0, MAX_TILT), (0.3, 0.7))
        x, y, w, h = cv2.boundingRect(view.quad)
        x0, y0 = max(x - MARGIN, 0), max(y - MARGIN, 0)
        grey = cv2.cvtColor(view.frame[y0 : y + h + MARGIN, x0 : x + w + MARGIN], cv2.COLOR_BGR2GRAY)
        grey = camera_effects(grey, rng)
        found = finder(grey)
        if found is None:
            continue
        ink, boxes, doubt = cut_digits(found.upright(grey), settings)
        if doubt is None and len(boxes) == len(card.text):
            # Each crop at one of the sizes the reader tries, so the model learns to be sure at all of them.
            crops += [mnist_crop(ink, box, FITS[int(rng.integers(len(FITS)))]) for box in boxes]
            truths += [int(c) for c in card.text]
    return np.array(crops, np.uint8).reshape(-1, 28, 28), np.array(truths, np.int64)
