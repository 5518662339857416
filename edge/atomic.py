"""Write files so that a crash never leaves half of one behind.

Everything is written to a temporary file in the destination's folder, flushed
to disk, and renamed over the destination: a reader sees the old file or the new
one, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it into place on success.

    Use it with writers that want a file name (torch.save, cv2, matplotlib).
    On an exception the temporary file is removed and the destination untouched.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".tmp" + destination.suffix, dir=destination.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, destination)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(destination: str | os.PathLike, data: bytes, mode: int | None = None) -> None:
    with atomic_path(destination, mode) as tmp:
        tmp.write_bytes(data)


def write_text(destination: str | os.PathLike, text: str, mode: int | None = None) -> None:
    write_bytes(destination, text.encode("utf-8"), mode)
