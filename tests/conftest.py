"""Shared fixtures: real MNIST fetched once through the project's own code, and a CLI runner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_configure(config):
    # A YuNet fetched into the developer's own data folder must not change which detector the
    # tests train with: every test, and every edgecam it starts, sees an empty data folder.
    config.edgecam_data_home = tempfile.mkdtemp(prefix="edgecam-test-data-")
    os.environ["XDG_DATA_HOME"] = config.edgecam_data_home


def pytest_unconfigure(config):
    shutil.rmtree(config.edgecam_data_home, ignore_errors=True)


@pytest.fixture(scope="session")
def mnist_data_dir() -> Path:
    """MNIST in the per-user cache (fetched and verified on first use, reused after)."""
    pytest.importorskip("torch")
    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist

    data_dir = Path(os.environ.get("EDGECAM_TEST_MNIST", default_data_dir()))
    ensure_mnist(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def mnist(mnist_data_dir):
    from edgecam.edge.scenes.mnist import load_mnist, raw_dir_of

    return load_mnist(raw_dir_of(mnist_data_dir))


def run_cli(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``edgecam`` as a user would, in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "edgecam", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {}), "COLUMNS": "200"},
        check=False,
    )


@pytest.fixture(scope="session")
def trained_checkpoint(mnist, tmp_path_factory):
    """A real digit model, if a short-trained one: all 60,000 MNIST images, 3 epochs (~99.3 %), and
    digits cut from 6,000 cards rather than 20,000 (a minute, not four).
    Fewer (20,000 images, 2 epochs: ~98.5 %) left the reader unsure of a third of the clip's cards."""
    torch = pytest.importorskip("torch")
    from edgecam.train.digits.training import Recipe, Trainer

    path = tmp_path_factory.mktemp("checkpoint") / "digits.pt"
    trainer = Trainer(Recipe.for_arch("edge", epochs=3, cards=6000), mnist, torch.device("cpu"))
    trainer.run(checkpoint=path)
    return path


@pytest.fixture(scope="session")
def fp32_export(trained_checkpoint, mnist_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx") / "digits.onnx"
    result = run_cli(
        "export", "onnx", str(trained_checkpoint), "--out", str(out), "--data-dir", str(mnist_data_dir), "--json"
    )
    assert result.returncode == 0, result.stderr
    return out, json.loads(result.stdout)


@pytest.fixture(scope="session")
def reader(fp32_export):
    """The card reader with the fixture's model and default settings (it keeps no state)."""
    from edgecam.edge.digits.model import DigitModel
    from edgecam.edge.digits.reader import DigitReader

    return DigitReader(DigitModel(fp32_export[0]))


@pytest.fixture(scope="session")
def clip(mnist, tmp_path_factory):
    """120 frames: five cards of MNIST test digits; people s31-s33 (ORL) walking past when present."""
    from edgecam.edge.scenes.clip import make_clip
    from tests.orl_scenes import ORL, orl_image

    people = {f"s{p}": [orl_image(p, i) for i in range(1, 11)] for p in (31, 32, 33)} if ORL.is_dir() else None
    return make_clip(
        tmp_path_factory.mktemp("clip") / "clip.mp4",
        mnist.test_images,
        mnist.test_labels,
        seed=3,
        frames=120,
        frames_per_card=24,
        people=people,
    )


@pytest.fixture(scope="session")
def faces_model(tmp_path_factory):
    """s1-s5 and s31-s33 enrolled (images 1-8), so the walkers in the clip are known people."""
    from tests.orl_scenes import ORL, write_orl_dataset

    if not ORL.is_dir():
        pytest.skip("ORL faces not present")
    root = tmp_path_factory.mktemp("faces")
    dataset = write_orl_dataset(root / "ds", (1, 2, 3, 4, 5, 31, 32, 33), range(1, 9))
    assert run_cli("train", "faces", str(dataset), "--out", str(root / "model")).returncode == 0
    return root / "model"


@pytest.fixture(scope="session")
def orl_model(tmp_path_factory):
    """People s1-s30, images 1-8 enrolled: the face benchmark's split (s31-s40 are strangers)."""
    from tests.orl_scenes import ORL, write_orl_dataset

    if not ORL.is_dir():
        pytest.skip("ORL faces not present")
    root = tmp_path_factory.mktemp("orl")
    dataset = write_orl_dataset(root / "dataset", range(1, 31), range(1, 9))
    result = run_cli("train", "faces", str(dataset), "--out", str(root / "model"))
    assert result.returncode == 0, result.stderr
    return root / "model"


@pytest.fixture
def read_whole_frame(reader):
    """``edgecam run`` with no ROI, read once: the card looked for in the whole of a grey frame and
    read upright, as (reading, card). The finder is new for each test: it follows the card it found."""
    from edgecam.edge.digits.card_find import CardFinder
    from edgecam.edge.digits.stage import read_card

    finder = CardFinder()
    return lambda grey: read_card(grey, finder, reader, (0, 0, grey.shape[1], grey.shape[0]), False)


def reading_the_clip(clip, export) -> list[str]:
    """``edgecam run`` flags for the session's clip with its card's ROI, read by the exported model
    (``export``: the fp32_export fixture's (path, report))."""
    return ["--source", str(clip.path), "--digits", str(export[0]), "--roi", ",".join(map(str, clip.roi))]
