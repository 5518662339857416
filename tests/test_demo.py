"""The README's first command: ``edgecam demo`` fills a model folder, runs the loop, prints the FPS."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import run_cli
from tests.orl_scenes import ORL, write_orl_dataset


@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")
def test_demo_exports_and_trains_what_is_missing_then_reads_and_names_the_clip(
    trained_checkpoint, mnist_data_dir, tmp_path
):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(trained_checkpoint, models / "digits.pt")  # trained, not exported: the demo exports it
    dataset = write_orl_dataset(tmp_path / "people", range(1, 6), range(1, 9))
    result = run_cli(
        "demo",
        "--models",
        str(models),
        "--out",
        str(tmp_path / "runs"),
        "--faces-dataset",
        str(dataset),
        "--frames",
        "60",
        "--data-dir",
        str(mnist_data_dir),
    )
    assert result.returncode == 0, result.stderr
    for name in ("digits.onnx", "faces.yml", "faces.json"):
        assert (models / name).is_file(), name
    for name in ("demo_input.mp4", "demo_annotated.mp4", "demo_events.jsonl"):
        assert (tmp_path / "runs" / name).stat().st_size > 0, name
    cards = re.search(r"Cards read right in (\d+)/(\d+) frames", result.stderr)
    named = re.search(r"named right in (\d+)/(\d+) frames", result.stderr)
    assert cards and int(cards[2]) == 60 and int(cards[1]) >= 54, result.stderr
    assert named and int(named[1]) >= 0.8 * int(named[2]), result.stderr
    assert re.fullmatch(r"\d+\.\d FPS \(60 frames of 640x480, 1 thread\(s\)\)\n", result.stdout), result.stdout
