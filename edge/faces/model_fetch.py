"""Models fetched once from their publisher, checked by SHA-256, kept in the user's data folder.

Only YuNet for now: OpenCV Zoo's face detector, which finds and frames faces better
than the Haar cascade that ships with OpenCV. Nothing is ever used unverified: the
download goes to a temporary file, is checked for its size and hash, and only then
renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from edgecam.edge import atomic
from edgecam.edge.errors import DataError, Unavailable


@dataclass(frozen=True)
class PublishedModel:
    name: str
    file: str
    url: str
    sha256: str
    size: int


YUNET = PublishedModel(
    name="yunet",
    file="face_detection_yunet_2023mar.onnx",
    # OpenCV Zoo keeps its models in Git LFS; this address redirects to the file itself.
    url="https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx",
    sha256="8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
    size=232_589,
)
MODELS = {YUNET.name: YUNET}
ATTEMPTS, BACKOFF_S, TIMEOUT_S = 3, 1.0, 30.0


def models_dir() -> Path:
    """``$XDG_DATA_HOME/edgecam/models`` (``~/.local/share/edgecam/models`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "edgecam" / "models"


def installed(model: PublishedModel = YUNET) -> Path | None:
    """The fetched file, if it is there and whole (checked by size; the hash was checked when fetched)."""
    path = models_dir() / model.file
    return path if path.is_file() and path.stat().st_size == model.size else None


def fetch(model: PublishedModel, url: str | None = None, target: Path | None = None) -> Path:
    """Download ``model`` (from ``url`` if given, e.g. a mirror), verify it, and store it atomically."""
    url = url or model.url
    target = target or models_dir() / model.file
    data = _download(url, model)
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != model.size or digest != model.sha256:
        raise DataError(
            f"The file from {url} is not the published {model.file} ({len(data):,} bytes, SHA-256 "
            f"{digest[:16]}..., expected {model.size:,} bytes, {model.sha256[:16]}...); nothing was kept."
        )
    atomic.write_bytes(target, data, 0o644)
    return target


def _download(url: str, model: PublishedModel) -> bytes:
    last = None
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(BACKOFF_S * 2 ** (attempt - 1))
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
                return response.read(model.size + 1)  # a longer answer is wrong anyway: do not read it all
        except urllib.error.HTTPError as error:
            if error.code < 500:  # 404 and friends do not get better by asking again
                raise Unavailable(
                    f"{url} answered {error.code} {error.reason}; {model.file} was not fetched."
                ) from error
            last = f"{error.code} {error.reason}"
        except (urllib.error.URLError, OSError) as error:
            last = str(getattr(error, "reason", None) or error)
    raise Unavailable(
        f"Could not download {model.file} from {url} after {ATTEMPTS} attempts ({last}); "
        f"check the network, or copy the file to {models_dir()} yourself."
    )
