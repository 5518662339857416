"""MNIST acquisition: verified files, corruption detected and repaired, no network explained."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from rich.console import Console

from edgecam.edge.errors import Unavailable
from edgecam.edge.scenes import mnist_idx
from edgecam.edge.scenes.mnist import ensure_mnist, file_status, load_mnist, raw_dir_of
from edgecam.edge.scenes.mnist_sources import RAW_MD5, PackageIndexWheel, TorchvisionMirrors


def test_fetched_mnist_is_the_canonical_set(mnist, mnist_data_dir):
    assert set(file_status(raw_dir_of(mnist_data_dir)).values()) == {"ok"}
    assert mnist.train_images.shape == (60000, 28, 28)
    assert mnist.test_images.shape == (10000, 28, 28)
    assert np.bincount(mnist.test_labels).tolist()[:3] == [980, 1135, 1032]  # MNIST's known class counts
    assert mnist.test_labels[:5].tolist() == [7, 2, 1, 0, 4]


def test_idx_decode_rejects_truncated_bytes(mnist):
    data = mnist_idx.encode_labels(mnist.test_labels)
    assert mnist_idx.decode(data).tolist() == mnist.test_labels.tolist()
    with pytest.raises(ValueError, match="header promises"):
        mnist_idx.decode(data[:-10])


def _copy_raw(mnist_data_dir, tmp_path):
    target = raw_dir_of(tmp_path)
    shutil.copytree(raw_dir_of(mnist_data_dir), target)
    return target


def test_truncated_and_flipped_files_are_reported_corrupt(mnist_data_dir, tmp_path):
    raw = _copy_raw(mnist_data_dir, tmp_path)
    labels = raw / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-1])
    images = raw / "train-images-idx3-ubyte"
    data = bytearray(images.read_bytes())
    data[5000] ^= 0xFF  # one flipped byte: same size, wrong content
    images.write_bytes(bytes(data))
    status = file_status(raw)
    assert status["t10k-labels-idx1-ubyte"] == "corrupt"
    assert status["train-images-idx3-ubyte"] == "corrupt"
    assert status["t10k-images-idx3-ubyte"] == "ok"


def test_corrupt_file_is_fetched_again_never_used(mnist_data_dir, tmp_path):
    raw = _copy_raw(mnist_data_dir, tmp_path)
    labels = raw / "t10k-labels-idx1-ubyte"
    data = bytearray(labels.read_bytes())
    data[100] = (data[100] + 1) % 10
    labels.write_bytes(bytes(data))
    console = Console(record=True, width=200)
    # The real sources: torchvision's mirrors (unreachable from CI) and then the package index.
    ensure_mnist(tmp_path, console, sleep=lambda seconds: None)
    assert "fails its MD5 check" in console.export_text()
    assert file_status(raw)["t10k-labels-idx1-ubyte"] == "ok"
    assert load_mnist(raw).test_labels[:5].tolist() == [7, 2, 1, 0, 4]


def test_no_network_says_what_to_put_where(tmp_path):
    unreachable = [
        TorchvisionMirrors(timeout=2, mirrors=["http://127.0.0.1:9/mnist/"]),
        PackageIndexWheel(pip_args=["--no-index", "--find-links", str(tmp_path / "empty")]),
    ]
    (tmp_path / "empty").mkdir()
    waits = []
    with pytest.raises(Unavailable) as caught:
        ensure_mnist(tmp_path / "data", Console(quiet=True), sources=unreachable, attempts=2, sleep=waits.append)
    message = str(caught.value)
    assert str(raw_dir_of(tmp_path / "data")) in message
    assert all(name in message for name in RAW_MD5)
    assert waits == [1, 1]  # one back-off per source between its two attempts
    assert "\n" not in message


def test_gz_files_dropped_in_by_hand_are_used(mnist_data_dir, tmp_path):
    import gzip

    raw = raw_dir_of(tmp_path)
    raw.mkdir(parents=True)
    for name in RAW_MD5:
        (raw / f"{name}.gz").write_bytes(gzip.compress((raw_dir_of(mnist_data_dir) / name).read_bytes(), 1))
    ensure_mnist(tmp_path, Console(quiet=True), sources=[])
    assert set(file_status(raw).values()) == {"ok"}


def test_processes_starting_at_once_share_the_mnist_folder(mnist_data_dir, tmp_path):
    # Two edgecam processes (a benchmark on each core) check at once that the folder is writable.
    import subprocess
    import sys

    data = tmp_path / "data"
    shutil.copytree(mnist_data_dir, data)
    check = f"from edgecam.edge.scenes.mnist import ensure_mnist\nfor _ in range(50): ensure_mnist({str(data)!r})"
    runs = [subprocess.Popen([sys.executable, "-c", check], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [run.communicate()[1] for run in runs]
    assert all(run.returncode == 0 for run in runs), errors
