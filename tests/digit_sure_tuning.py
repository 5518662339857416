"""How the reader's sure level was chosen: on the calibration family, never on the benchmark.

Cards written with MNIST's test digits 0-4999 (the export calibrates on them too), seen in a
desk scene through the calibration family of camera effects (``edgecam.train.faces.camera``:
gain, pyramid down-sampling, Gaussian blur and noise, WebP). For each sure level: the share
of cards read exactly, unsure, and wrong. The held-out benchmark
(``tests/digit_card_benchmark.py``) shares none of these effects or digits.

    python -m tests.digit_sure_tuning --digits models/digits.onnx --cards 600
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from edgecam.edge.digits.card_find import CardFinder
from edgecam.edge.digits.model import DigitModel
from edgecam.edge.digits.reader import DigitReader, ReaderSettings
from edgecam.edge.digits.stage import read_card
from edgecam.edge.scenes.card_views import in_view
from edgecam.edge.scenes.cards import make_card, printed_card
from edgecam.edge.scenes.clip import desk
from edgecam.export.calibrate import CALIBRATION_DIGITS
from edgecam.train.faces.camera import camera_effects

LEVELS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


def sweep(model_path: str, mnist, cards: int, seed: int = 99) -> dict[float, dict[str, float]]:
    rng = np.random.default_rng(seed)
    images, labels = mnist.test_images[CALIBRATION_DIGITS], mnist.test_labels[CALIBRATION_DIGITS]
    finder, model = CardFinder(), DigitModel(model_path)
    readers = {level: DigitReader(model, ReaderSettings(sure=level)) for level in LEVELS}
    counts = {level: {"exact": 0, "unsure": 0, "wrong": 0} for level in LEVELS}
    for number in range(cards):
        if number % 2:
            card = printed_card(images, labels, rng)
        else:
            card = make_card(images, labels, rng, size=(400, 220), margin=0.08)
        view = in_view(card.image, desk(rng), rng, rng.uniform(0, 35))
        grey = camera_effects(cv2.cvtColor(view.frame, cv2.COLOR_BGR2GRAY), rng)
        height, width = grey.shape
        for level, reader in readers.items():
            reading, _ = read_card(grey, finder, reader, (0, 0, width, height), False)
            outcome = "unsure" if reading.unsure else "exact" if reading.text == card.text else "wrong"
            counts[level][outcome] += 1
    return {level: {k: round(v / cards, 4) for k, v in row.items()} for level, row in counts.items()}


def main() -> None:
    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist, load_mnist

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digits", required=True)
    parser.add_argument("--cards", type=int, default=600)
    args = parser.parse_args()
    table = sweep(args.digits, load_mnist(ensure_mnist(default_data_dir())), args.cards)
    print("| sure | exact | unsure | wrong |\n| --- | --- | --- | --- |")
    for level, row in table.items():
        print(f"| {level} | {row['exact']:.1%} | {row['unsure']:.1%} | {row['wrong']:.1%} |")


if __name__ == "__main__":
    main()
