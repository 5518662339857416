"""The face library on disk: one private folder per person, holding their face images.

It is the dataset ``edgecam train faces`` reads (edge.faces.people) and the one the live
page changes. A person being removed is first set aside under a hidden name, which training
skips, so a retrain that fails can put them back.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from edgecam.edge import atomic
from edgecam.edge.errors import DataError, MissingInput
from edgecam.edge.faces.model_file import PRIVATE
from edgecam.edge.faces.people import IMAGE_SUFFIXES, person_folders

NUMBERED = re.compile(r"^(\d+)\.")


class FaceLibrary:
    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def people(self) -> dict[str, list[Path]]:
        """Name -> image files; empty while the library has no one."""
        try:
            return person_folders(self.folder)
        except (MissingInput, DataError):
            return {}

    def image(self, name: str, index: int) -> Path | None:
        images = self.people().get(name, [])
        return images[index] if 0 <= index < len(images) else None

    def add(self, name: str, images: list[bytes], suffix: str = ".jpg") -> list[Path]:
        """Store encoded images for ``name`` (a new person or a known one), each private to the owner."""
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        numbers = [int(m.group(1)) for p in folder.iterdir() if (m := NUMBERED.match(p.name))]
        first = max(numbers, default=0) + 1
        saved = []
        for offset, data in enumerate(images):
            path = folder / f"{first + offset:04d}{suffix}"
            atomic.write_bytes(path, data, PRIVATE)
            saved.append(path)
        return saved

    def remove_files(self, paths: list[Path]) -> None:
        """Take back images just added (their model update failed); an emptied folder goes too."""
        for path in paths:
            path.unlink(missing_ok=True)
        for folder in {path.parent for path in paths}:
            if folder.is_dir() and not any(p.suffix.lower() in IMAGE_SUFFIXES for p in folder.iterdir()):
                shutil.rmtree(folder, ignore_errors=True)

    def rename(self, old: str, new: str) -> None:
        source = self.folder / old
        if source.is_dir():
            os.rename(source, self.folder / new)

    def set_aside(self, name: str) -> Path | None:
        """Hide ``name``'s folder from training; the hidden folder, to restore or discard."""
        source = self.folder / name
        if not source.is_dir():
            return None
        aside = self.folder / f".removed-{int(time.time() * 1000)}-{name}"
        os.rename(source, aside)
        return aside

    def restore(self, aside: Path | None, name: str) -> None:
        if aside is not None and aside.is_dir():
            os.rename(aside, self.folder / name)

    def discard(self, aside: Path | None) -> None:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
