"""Digit training on real MNIST: quick runs that learn, resume exactly, and fail clearly."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli

torch = pytest.importorskip("torch")

from edgecam.train.digits.training import Recipe, Trainer, load_checkpoint  # noqa: E402 - only once importorskip found the extra


def test_limit_run_learns_and_writes_everything(mnist_data_dir, tmp_path):
    out = tmp_path / "models"
    result = run_cli(
        "train",
        "digits",
        "--out",
        str(out),
        "--data-dir",
        str(mnist_data_dir),
        "--limit",
        "6000",
        "--epochs",
        "1",
        "--threads",
        "2",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "digits.json").read_text())
    assert report["arch"] == "edge" and report["epochs"] == 1
    assert 0.90 < report["test_accuracy"] <= 1.0  # 6,000 images, one epoch: ~96 %
    assert report["test_loss"] < 0.4 and report["seconds"] > 0
    for picture in ("digits_curve.png", "digits_predictions.png"):
        image = cv2.imread(str(out / picture))
        assert image is not None and image.shape[0] > 200 and image.std() > 5  # a real, non-blank picture
    state = load_checkpoint(out / "digits.pt")  # weights_only load succeeds
    assert state["epoch"] == 1 and state["normalization"]["mean"] == [0.1307]
    assert "optimizer_state" in state and len(state["history"]["train"]) > 1
    assert "epoch 1/1" in result.stderr and "accuracy" in result.stderr
    assert not list(out.glob(".*tmp*")), "temporary files left behind"


def _history(trainer):
    return trainer.history.train, [row[1:] for row in trainer.history.test]


def test_interrupted_run_resumes_to_identical_numbers(mnist, tmp_path):
    torch.set_num_threads(1)  # same thread count on both sides: CPU kernels then agree bit for bit
    recipe = Recipe.for_arch("edge", epochs=2, limit=2000, cards=0)
    straight = Trainer(recipe, mnist, torch.device("cpu"))
    straight.run()

    checkpoint = tmp_path / "digits.pt"
    first = Trainer(recipe, mnist, torch.device("cpu"))
    first.run(on_epoch=lambda report: False, checkpoint=checkpoint)  # stops after epoch 1, like Ctrl-C
    assert first.epoch == 1

    resumed = Trainer(recipe, mnist, torch.device("cpu"))
    resumed.restore(load_checkpoint(checkpoint))
    resumed.run()
    assert resumed.epoch == 2
    assert _history(resumed) == _history(straight)
    for name, tensor in straight.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name


def test_cli_resume_continues_epoch_count_and_history(mnist_data_dir, tmp_path):
    common = ("--out", str(tmp_path), "--data-dir", str(mnist_data_dir), "--limit", "1500", "--arch", "seed")
    assert run_cli("train", "digits", *common, "--epochs", "1").returncode == 0
    first = load_checkpoint(tmp_path / "digits.pt")
    result = run_cli("train", "digits", *common, "--epochs", "2", "--resume")
    assert result.returncode == 0, result.stderr
    assert "Resuming seed from epoch 1 of 2" in result.stderr
    second = load_checkpoint(tmp_path / "digits.pt")
    assert second["epoch"] == 2 and len(second["history"]["test"]) == 2
    assert second["history"]["train"][: len(first["history"]["train"])] == first["history"]["train"]
    assert json.loads((tmp_path / "digits.json").read_text())["epochs"] == 2


def test_a_checkpoint_from_before_the_card_digits_resumes_without_them(mnist_data_dir, tmp_path):
    common = ("--out", str(tmp_path), "--data-dir", str(mnist_data_dir), "--limit", "1500", "--threads", "2")
    assert run_cli("train", "digits", *common, "--epochs", "1", "--cards", "0").returncode == 0
    first = json.loads((tmp_path / "digits.json").read_text())["train_images"]
    state = torch.load(tmp_path / "digits.pt", weights_only=True)
    del state["recipe"]["cards"]  # as a checkpoint written before the recipe had cards
    torch.save(state, tmp_path / "digits.pt")
    result = run_cli("train", "digits", *common, "--epochs", "2", "--resume")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "digits.json").read_text())
    assert report["epochs"] == 2 and report["recipe"]["cards"] == 0 and report["train_images"] == first


def test_seed_arch_is_the_tutorial_recipe():
    recipe = Recipe.for_arch("seed")
    assert (recipe.epochs, recipe.batch_size, recipe.test_batch_size, recipe.lr, recipe.momentum, recipe.seed) == (
        3,
        64,
        1000,
        0.01,
        0.5,
        1,
    )
    assert recipe.optimizer == "sgd" and not recipe.augment and not recipe.printed and not recipe.flagged
    assert not recipe.cards


def test_a_smear_draws_a_dot_out_along_its_angle_and_keeps_its_ink():
    from edgecam.train.digits.augment import smear

    dot = torch.zeros(3, 1, 28, 28)
    dot[:, 0, 14, 14] = 1.0
    across, down, slanted = smear(
        dot, torch.tensor([6.0, 6.0, 6.0]), torch.tensor([0.0, np.pi / 2, np.pi / 4]), torch.ones(3)
    )[:, 0]
    for line in (across, down, slanted):
        assert float(line.sum()) == pytest.approx(1.0, abs=1e-5)  # spread, not lost: gain 1
    rows, columns = (across > 1e-3).nonzero().T.tolist()
    assert set(rows) == {14} and min(columns) == 11 and max(columns) == 17
    rows, columns = (down > 1e-3).nonzero().T.tolist()
    assert set(columns) == {14} and min(rows) == 11 and max(rows) == 17
    # y runs down the image: a positive angle smears towards the bottom right, along the diagonal.
    ys, xs = (slanted > 1e-3).nonzero().T
    assert torch.equal(ys - 14, xs - 14) or float(((ys - 14) - (xs - 14)).abs().max()) <= 1
    assert float(slanted[16, 16]) > 0 and float(slanted[12, 16]) == 0


def test_a_smeared_stroke_is_darkened_again_as_the_reader_scales_ink():
    from edgecam.train.digits.augment import random_smear, smear

    stroke = torch.zeros(1, 1, 28, 28)
    stroke[0, 0, 6:22, 11:16] = 0.6  # a 5 px wide upright bar, pale
    sideways = smear(stroke, torch.tensor([3.0]), torch.tensor([0.0]), torch.tensor([2.0]))[0, 0]
    assert float(sideways[14, 13]) == 1.0  # darkened and clipped: ink 40 % darker than paper is full ink
    assert int((sideways[14] > 0).sum()) == 9  # 2 px wider on each side
    assert int((sideways[:, 13] > 0).sum()) == 16  # and no taller
    digits = torch.rand(600, 1, 28, 28)
    changed = (random_smear(digits, torch.Generator().manual_seed(1)) != digits).flatten(1).any(1)
    assert 0.25 < float(changed.float().mean()) < 0.42  # a third of them, the rest untouched


def test_typeset_digits_join_the_training_set_framed_as_mnist_frames_its_own(mnist):
    from edgecam.train.digits.printed import printed_digits

    images, labels = printed_digits()
    assert images.shape[1:] == (28, 28) and np.bincount(labels).tolist() == [len(labels) // 10] * 10
    for image in images:
        rows, columns = np.nonzero(image > 60)
        assert np.ptp(rows) <= 21 and np.ptp(columns) <= 21  # fitted into MNIST's 20x20 box
        centre = np.average(np.indices(image.shape), axis=(1, 2), weights=image.astype(float))
        assert np.abs(centre - 13.5).max() < 1.5  # and centred on its centre of mass
    for zero in images[labels == 0]:  # a 0's hole stays open: an outline inside its outline
        _, hierarchy = cv2.findContours((zero > 100).astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        assert (hierarchy[0][:, 3] >= 0).any()
    edge = Trainer(Recipe.for_arch("edge", limit=6000, flagged=0.0, cards=0), mnist, torch.device("cpu"))
    seed = Trainer(Recipe.for_arch("seed", limit=6000), mnist, torch.device("cpu"))
    assert len(seed.train_x) == 6000 and len(edge.train_x) == 6000 + 2 * len(images)  # 5 % typeset


def _span(image: np.ndarray, low: float, high: float) -> int:
    """How wide the ink is between ``low`` and ``high`` of the digit's height, from its top."""
    rows, columns = np.nonzero(image > 100)
    top, height = rows.min(), np.ptp(rows)
    band = (rows >= top + low * height) & (rows <= top + high * height)
    return int(np.ptp(columns[band])) if band.any() else 0


def test_flagged_ones_and_crossed_sevens_are_mnists_own_with_a_stroke_added(mnist):
    from edgecam.train.digits.flagged import flagged_copies

    images, labels = mnist.train_images[:6000], mnist.train_labels[:6000]
    extra, kinds = flagged_copies(images, labels, 0.5, 1)
    ones, sevens = int((labels == 1).sum()), int((labels == 7).sum())
    assert set(kinds.tolist()) == {1, 7} and extra.shape[1:] == (28, 28)
    assert (
        0.45 * ones <= (kinds == 1).sum() <= 0.5 * ones + 1 and 0.2 * sevens <= (kinds == 7).sum() <= 0.25 * sevens + 1
    )
    for image in extra:  # framed as MNIST frames its own
        rows, columns = np.nonzero(image > 60)
        assert np.ptp(rows) <= 21 and np.ptp(columns) <= 21
    # A flag widens a 1's top (MNIST's: 2.5 px on average, flagged: 5.0); a bar widens a 7's middle.
    plain_top = np.mean([_span(i, 0, 0.15) for i in images[labels == 1]])
    assert np.mean([_span(i, 0, 0.15) for i in extra[kinds == 1]]) > plain_top + 2
    plain_middle = np.mean([_span(i, 0.4, 0.65) for i in images[labels == 7]])
    assert np.mean([_span(i, 0.4, 0.65) for i in extra[kinds == 7]]) > plain_middle + 2.5
    edge = Trainer(Recipe.for_arch("edge", limit=6000, printed=0, cards=0), mnist, torch.device("cpu"))
    assert len(edge.train_x) == 6000 + len(extra)


def test_bad_data_dir_is_one_clear_sentence(tmp_path):
    not_a_folder = tmp_path / "mnist.txt"
    not_a_folder.write_text("hello")
    result = run_cli("train", "digits", "--out", str(tmp_path / "m"), "--data-dir", str(not_a_folder))
    assert result.returncode == 73
    assert "is a file, not a folder" in result.stderr and "Traceback" not in result.stderr


def test_resume_from_foreign_file_is_refused(mnist_data_dir, tmp_path):
    (tmp_path / "digits.pt").write_bytes(b"not a checkpoint at all")
    result = run_cli("train", "digits", "--out", str(tmp_path), "--data-dir", str(mnist_data_dir), "--resume")
    assert result.returncode == 65
    assert "not a readable PyTorch checkpoint" in result.stderr and "Traceback" not in result.stderr
