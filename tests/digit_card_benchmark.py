"""The held-out digit-card benchmark: cards anywhere in view, through camera effects and in
handwriting the model never trained on, read by the loop's own card finder and reader.

What is held out, in code:
- the camera effects come from ``tests/heldout_camera.py``, which training, augmentation and
  the export's calibration never call (``tests/test_face_split.py`` keeps it so);
- the writers: MNIST's test digits 5000-9999 (the calibration writes with 0-4999, training
  with the training set), scikit-learn's 8x8 digits and digits written from fonts
  (``tests/heldout_writers.py``);
- the scenes: cards, paper, handwriting layout, ink, light, desks and the lens are drawn by
  ``tests/heldout_cards.py``, which shares nothing with the generators training and calibration
  write their cards with (``tests/test_digit_split.py`` keeps it so); only the printed card's
  template is the product's own. ``--scenes shared`` draws them with training's generators instead,
  to compare with figures measured before 2026-11-30's evening;
- the views: a card tilted out of plane and turned, anywhere in view, no ROI.

Each card is one frame read from scratch. A reading is exact (the card's text), unsure
(``text`` null) or wrong (any other text). Run it:

    python -m tests.digit_card_benchmark --digits models/digits.onnx --cards 200
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.digits.card_find import CardFinder
from edgecam.edge.digits.model import DigitModel
from edgecam.edge.digits.reader import DigitReader, ReaderSettings
from edgecam.edge.digits.stage import read_card
from edgecam.edge.scenes.card_views import covered, in_view
from edgecam.edge.scenes.cards import make_card, printed_card
from edgecam.edge.scenes.clip import desk
from tests import heldout_camera as camera
from tests import heldout_cards
from tests.heldout_writers import font_digits, sklearn_digits
from tests.reading_outcome import outcome

MNIST_HELD_OUT = slice(5000, 10000)

CONDITIONS: dict[str, camera.Effect] = {
    name: camera.CONDITIONS[name]
    for name in (
        "clean",
        "jpeg-50",
        "jpeg-30",
        "motion-blur",
        "defocus",
        "low-res-320x240",
        "dark",
        "over-exposed",
        "row-noise",
        "bayer-noise",
        "low-res+jpeg-50",
        "motion-blur+jpeg-30",
    )
}
# Conditions of the card itself rather than of the camera: a steep view, a hand over a corner.
VIEWS = ("tilted-40", "quarter-covered")


@dataclass
class Sample:
    grey: np.ndarray
    text: str
    printed: bool  # edgecam card print's card (ArUco markers), or a plain piece of paper


Writer = tuple[np.ndarray, np.ndarray]


def writers(mnist) -> dict[str, Writer]:
    return {
        "mnist": (mnist.test_images[MNIST_HELD_OUT], mnist.test_labels[MNIST_HELD_OUT]),
        "sklearn-8x8": sklearn_digits(),
        "fonts": font_digits(3000, seed=17),
    }


def sample(writer: Writer, condition: str, rng: np.random.Generator, scenes: str = "heldout") -> Sample:
    """One frame: a card (printed with markers, or plain paper) on a desk, seen through ``condition``.
    ``scenes`` "heldout" draws card, desk and lens with ``tests/heldout_cards.py``; "shared" with
    the generators training and calibration use (to compare with figures measured before)."""
    images, labels = writer
    tilt = rng.uniform(35, 40) if condition == "tilted-40" else rng.uniform(0, 25)
    held_out = scenes == "heldout"
    if condition == "quarter-covered":
        corner = int(rng.integers(0, 4))
        span = (0.5, 1.0) if corner in (0, 3) else (0.0, 0.5)  # written beside the hand, not under it
        count = int(rng.integers(1, 3))
        if held_out:
            card = heldout_cards.card(images, labels, rng, printed=True, count=count, span=span)
        else:
            card = printed_card(images, labels, rng, count=count, span=span)
        image, text, printed = covered(card.image, corner, 0.25, rng), card.text, True
    elif held_out:
        printed = bool(rng.random() < 0.5)
        card = heldout_cards.card(images, labels, rng, printed=printed)
        image, text = card.image, card.text
    else:
        printed = bool(rng.random() < 0.5)
        card = printed_card(images, labels, rng) if printed else make_card(images, labels, rng, (400, 220), margin=0.08)
        image, text = card.image, card.text
    if held_out:
        frame = heldout_cards.seen(image, heldout_cards.surface(rng), rng, tilt)
    else:
        frame = in_view(image, desk(rng), rng, tilt).frame
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    effect: Callable = CONDITIONS.get(condition, camera.clean)
    return Sample(effect(grey, rng), text, printed)


def benchmark(
    model_path: str,
    mnist,
    cards: int = 100,
    seed: int = 2024,
    sure: float | None = None,
    only: tuple[list[str], list[str]] | None = None,
    scenes: str = "heldout",
) -> dict:
    """{writer: {condition: {"exact", "unsure", "wrong", "cards", "by_card"}}} as shares of ``cards``;
    "by_card" splits them by the kind of card ({"printed"|"plain": {"exact", ..., "cards"}});
    ``only`` = (writers, conditions) measures those alone; ``scenes`` as for ``sample``."""
    settings = ReaderSettings() if sure is None else ReaderSettings(sure=sure)
    reader, finder = DigitReader(DigitModel(model_path), settings), CardFinder()
    table: dict = {}
    for name, writer in writers(mnist).items():
        if only and name not in only[0]:
            continue
        rng = np.random.default_rng(seed)
        rows = table[name] = {}
        for condition in (*CONDITIONS, *VIEWS):
            if only and condition not in only[1]:
                continue
            counts = {kind: {"exact": 0, "unsure": 0, "wrong": 0} for kind in ("printed", "plain")}
            for _ in range(cards):
                shot = sample(writer, condition, rng, scenes)
                height, width = shot.grey.shape
                reading, _ = read_card(shot.grey, finder, reader, (0, 0, width, height), False)
                counts["printed" if shot.printed else "plain"][outcome(reading, shot.text)] += 1
            rows[condition] = _shares({k: counts["printed"][k] + counts["plain"][k] for k in counts["printed"]}) | {
                "by_card": {kind: _shares(c) for kind, c in counts.items() if sum(c.values())}
            }
    return table


def _shares(counts: dict[str, int]) -> dict:
    total = sum(counts.values())
    return {k: round(v / total, 4) for k, v in counts.items()} | {"cards": total}


def markdown(table: dict) -> str:
    lines = []
    for name, rows in table.items():
        head = "| condition | exact | unsure | wrong | printed card: exact, wrong | plain paper: exact, wrong |"
        lines += [f"\n**{name}**\n", head, "| --- | --- | --- | --- | --- | --- |"]
        for condition, r in rows.items():
            kinds = [r["by_card"].get(kind) for kind in ("printed", "plain")]
            split = [f"{k['exact']:.1%}, {k['wrong']:.1%} of {k['cards']}" if k else "-" for k in kinds]
            lines.append(
                f"| {condition} | {r['exact']:.1%} | {r['unsure']:.1%} | {r['wrong']:.1%} | {' | '.join(split)} |"
            )
    return "\n".join(lines)


def main() -> None:
    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist, load_mnist

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digits", required=True, help="the exported digit model (.onnx)")
    parser.add_argument("--cards", type=int, default=100, help="cards per writer and condition")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--sure", type=float, default=None, help="the reader's sure level (default: its own)")
    parser.add_argument(
        "--scenes",
        choices=("heldout", "shared"),
        default="heldout",
        help="cards, desks and lens: held out (default), or training's own generators, to compare",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    mnist = load_mnist(ensure_mnist(default_data_dir()))
    table = benchmark(args.digits, mnist, args.cards, args.seed, args.sure, scenes=args.scenes)
    print(json.dumps(table, indent=1) if args.json else markdown(table))


if __name__ == "__main__":
    main()
