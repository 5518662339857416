"""The digit benchmark's cards, desks and lens are held out by construction.

Training (``train/digits/card_crops.py``) and the export's calibration write cards with
``edgecam.edge.scenes.cards``, set them on ``clip.desk`` and look at them through
``card_views.in_view``. The benchmark draws its scenes with ``tests/heldout_cards.py`` instead.
A figure measured on those scenes is only held out while neither side borrows from the other,
so this reads the modules and runs the benchmark's sampler with the training generators broken.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests import heldout_cards
from tests.test_face_split import imports

ROOT = Path(__file__).resolve().parent.parent
TRAINING_SCENES = ("edgecam.edge.scenes.cards", "edgecam.edge.scenes.clip", "edgecam.edge.scenes.card_views")


def test_the_held_out_scenes_import_no_training_generator():
    used = imports(Path(heldout_cards.__file__))
    assert "cv2" in used  # the parse found the imports (an empty set would pass vacuously)
    assert not any(name.startswith((*TRAINING_SCENES, "edgecam.train")) for name in used), used


def test_nothing_the_project_ships_imports_the_benchmark_side():
    shipped = [p for folder in ("edge", "train", "export", "calibration") for p in (ROOT / folder).rglob("*.py")]
    assert any(p.name == "card_crops.py" for p in shipped)
    for path in shipped:
        assert not any(name.startswith("tests") for name in imports(path)), path


def test_the_held_out_benchmark_never_draws_with_the_training_generators(monkeypatch, mnist):
    from edgecam.edge.scenes import card_views, cards, clip
    from tests import digit_card_benchmark as benchmark

    def training_generator(*args, **kwargs):
        raise AssertionError("the held-out benchmark drew with a training generator")

    for module, name in ((cards, "_photographed"), (clip, "desk"), (card_views, "posed")):
        monkeypatch.setattr(module, name, training_generator)
    monkeypatch.setattr(benchmark, "desk", training_generator)
    writer = benchmark.writers(mnist)["mnist"]
    rng = np.random.default_rng(3)
    for condition in (*benchmark.CONDITIONS, *benchmark.VIEWS):
        shot = benchmark.sample(writer, condition, rng)
        assert shot.grey.shape == (480, 640) and shot.text.isdigit()
    with pytest.raises(AssertionError, match="training generator"):
        benchmark.sample(writer, "clean", rng, scenes="shared")


def test_a_held_out_card_is_brighter_than_its_ink_and_in_view():
    rng = np.random.default_rng(8)
    digits = np.zeros((4, 28, 28), np.uint8)
    digits[:, 6:22, 12:16] = 255  # four 1s
    for printed in (False, True):
        card = heldout_cards.card(digits, np.ones(4, np.int64), rng, printed=printed, count=3)
        assert card.text == "111"
        frame = heldout_cards.seen(card.image, heldout_cards.surface(rng), rng, tilt=30.0)
        assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
        grey = card.image.mean(axis=2)
        assert np.percentile(grey, 1) < np.median(grey) - 40  # the ink is there, darker than the paper


def test_the_paper_search_is_tuned_on_desks_of_its_own():
    from tests import finder_tuning_scenes

    tuning = imports(Path(finder_tuning_scenes.__file__))
    assert "cv2" in tuning
    assert not any(name.startswith(("tests", "edgecam")) for name in tuning), tuning
    assert "tests.finder_tuning_scenes" not in imports(Path(heldout_cards.__file__))


def test_the_sure_levels_stranger_writer_is_neither_trained_on_nor_benchmarked():
    from tests import digit_card_benchmark, heldout_writers, stroke_writer

    own = imports(Path(stroke_writer.__file__))
    assert "cv2" in own
    assert not any(name.startswith(("tests", "edgecam")) for name in own), own
    for held_out in (digit_card_benchmark, heldout_writers, heldout_cards):
        assert "tests.stroke_writer" not in imports(Path(held_out.__file__))
