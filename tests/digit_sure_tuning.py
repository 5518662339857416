"""How the reader's sure level was chosen: on the calibration family, never on the benchmark.

Cards seen in a desk scene through the calibration family of camera effects
(``edgecam.train.faces.camera``: gain, pyramid down-sampling, Gaussian blur and noise, WebP),
written by two writers: MNIST's test digits 0-4999 (the export calibrates on them too) and a
stranger's hand of the tuning's own (``tests/stroke_writer.py``), which neither training nor the
benchmark sees. For each sure level and writer: the share of cards read exactly, unsure, and
wrong. The held-out benchmark (``tests/digit_card_benchmark.py``) shares none of these effects,
digits or writers.

    python -m tests.digit_sure_tuning --digits models/digits.onnx --cards 1000
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
from tests.reading_outcome import outcome
from tests.stroke_writer import stroke_digits

LEVELS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


def sweep(
    model_path: str, images: np.ndarray, labels: np.ndarray, cards: int, seed: int = 99
) -> dict[float, dict[str, float]]:
    rng = np.random.default_rng(seed)
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
            counts[level][outcome(reading, card.text)] += 1
    return {level: {k: round(v / cards, 4) for k, v in row.items()} for level, row in counts.items()}


def main() -> None:
    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist, load_mnist

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digits", required=True)
    parser.add_argument("--cards", type=int, default=1000, help="cards per writer")
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()
    mnist = load_mnist(ensure_mnist(default_data_dir()))
    writers = {
        "MNIST 0-4999": (mnist.test_images[CALIBRATION_DIGITS], mnist.test_labels[CALIBRATION_DIGITS]),
        "strokes": stroke_digits(5000, seed=args.seed),
    }
    tables = {name: sweep(args.digits, *digits, args.cards, args.seed) for name, digits in writers.items()}
    print(f"| sure | {' | '.join(f'{name}: exact, unsure, wrong' for name in tables)} |")
    print("| --- |" + " --- |" * len(tables))
    for level in LEVELS:
        cells = [f"{t[level]['exact']:.1%}, {t[level]['unsure']:.1%}, {t[level]['wrong']:.2%}" for t in tables.values()]
        print(f"| {level} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
