"""MNIST on disk, verified: find it, fetch what is missing or corrupt, load it.

Layout is torchvision's, ``DATA_DIR/MNIST/raw/<name>``, so a folder torchvision
already filled works as it is. Every file is checked against its canonical MD5
before use; a file that fails is reported, fetched again, and never used.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console

from edgecam.edge.errors import EX_CANTCREAT, DataError, EdgecamError, Unavailable
from edgecam.edge.scenes import mnist_idx
from edgecam.edge.scenes.mnist_sources import RAW_MD5, FetchError, default_sources, md5_of


def default_data_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "edgecam" / "mnist"


def raw_dir_of(data_dir: Path) -> Path:
    return Path(data_dir) / "MNIST" / "raw"


@dataclass
class Mnist:
    train_images: np.ndarray  # uint8, N x 28 x 28
    train_labels: np.ndarray  # uint8, N
    test_images: np.ndarray
    test_labels: np.ndarray


def file_status(raw_dir: Path) -> dict[str, str]:
    """Each file's state: 'ok', 'missing' or 'corrupt'."""
    status = {}
    for name, md5 in RAW_MD5.items():
        path = raw_dir / name
        if not path.exists():
            status[name] = "missing"
        else:
            status[name] = "ok" if md5_of(path) == md5 else "corrupt"
    return status


def ensure_mnist(
    data_dir: Path,
    console: Console | None = None,
    sources: list | None = None,
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Make ``data_dir/MNIST/raw`` hold the four verified files and return that folder."""
    console = console or Console(stderr=True)
    raw_dir = _prepare_folder(Path(data_dir))
    _unpack_gz_files(raw_dir)
    status = file_status(raw_dir)
    for name, state in status.items():
        if state == "corrupt":
            console.print(f"[yellow]{raw_dir / name} fails its MD5 check; fetching it again.[/]")
            (raw_dir / name).unlink()
    needed = [name for name, state in status.items() if state != "ok"]
    if not needed:
        return raw_dir

    failures = []
    for source in sources if sources is not None else default_sources():
        for attempt in range(1, attempts + 1):
            console.print(f"Fetching {len(needed)} MNIST file(s) from {source.name} (attempt {attempt}/{attempts})")
            try:
                source.fetch(raw_dir, needed)
            except FetchError as error:
                console.print(f"[yellow]  {source.name}: {error}[/]")
                last_error = str(error)
                if attempt < attempts:
                    sleep(2 ** (attempt - 1))  # back off: 1 s, 2 s, 4 s ...
                continue
            still = [name for name, state in file_status(raw_dir).items() if state != "ok"]
            if not still:
                console.print(f"MNIST is ready in {raw_dir}")
                return raw_dir
            needed, last_error = still, f"still missing {', '.join(still)}"
        failures.append(f"{source.name}: {last_error}")

    raise Unavailable(
        "Could not fetch MNIST ("
        + "; ".join(failures)
        + "); put the four files "
        + ", ".join(RAW_MD5)
        + f" (or their .gz) into {raw_dir} and run again."
    )


def load_mnist(raw_dir: Path) -> Mnist:
    """Load the verified files into arrays."""
    arrays = {}
    for name in RAW_MD5:
        try:
            arrays[name] = mnist_idx.decode((raw_dir / name).read_bytes())
        except ValueError as error:
            raise DataError(f"{raw_dir / name} is not a valid IDX file: {error}.") from error
    return Mnist(
        arrays["train-images-idx3-ubyte"],
        arrays["train-labels-idx1-ubyte"],
        arrays["t10k-images-idx3-ubyte"],
        arrays["t10k-labels-idx1-ubyte"],
    )


def _prepare_folder(data_dir: Path) -> Path:
    if data_dir.exists() and not data_dir.is_dir():
        raise EdgecamError(f"--data-dir {data_dir} is a file, not a folder.", EX_CANTCREAT)
    raw_dir = raw_dir_of(data_dir)
    try:
        raw_dir.mkdir(parents=True, exist_ok=True)
        # A probe of its own: two edgecam processes starting at once must not unlink each other's.
        with tempfile.NamedTemporaryFile(dir=raw_dir, prefix=".write-test-"):
            pass
    except OSError as error:
        raise EdgecamError(f"Cannot write to the MNIST folder {raw_dir}: {error.strerror}.", EX_CANTCREAT) from error
    return raw_dir


def _unpack_gz_files(raw_dir: Path) -> None:
    """Accept the .gz files torchvision downloads or a user copies in by hand."""
    for name in RAW_MD5:
        packed, plain = raw_dir / f"{name}.gz", raw_dir / name
        if packed.exists() and not plain.exists():
            # A broken .gz leaves the file missing; the fetch below replaces it.
            with contextlib.suppress(OSError, EOFError):
                plain.write_bytes(gzip.decompress(packed.read_bytes()))
