"""A face dataset on disk: one folder per person, named after them, holding their photos.

Training, enrolment (which adds to it), the demo and the bench all read it this way.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from edgecam.edge.errors import DataError, MissingInput

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pgm", ".bmp"}


def person_folders(dataset: Path) -> dict[str, list[Path]]:
    """Person name -> image files, with clear errors for a dataset that cannot be used."""
    dataset = Path(dataset)
    if not dataset.exists():
        raise MissingInput(f"No face dataset at {dataset}; expected folders DATASET/<person name>/*.jpg.")
    if not dataset.is_dir():
        raise DataError(f"{dataset} is a file; a face dataset is a folder of person folders.")
    people = {}
    for folder in sorted(p for p in dataset.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        except FileNotFoundError:
            continue  # moved away while listing: a person being deleted from the setup page
        if images:
            people[unicodedata.normalize("NFC", folder.name)] = images
    if not people:
        raise DataError(f"{dataset} holds no person folders with images (.jpg .jpeg .png .pgm .bmp).")
    return people
