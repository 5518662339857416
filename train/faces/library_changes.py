"""The face model follows its library: a person added, renamed or removed while the loop runs.

Adding is ``enroll.update_model`` (LBPH's incremental update, the "unknown" limit recalibrated);
a rename changes only the names; removing a person retrains from the library,
with the model's own settings, since LBPH cannot forget. Each writes the model atomically, file
by file, or not at all. The first model of an empty library is trained once it holds three people.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from edgecam.edge.faces.crop import CropSettings
from edgecam.edge.faces.detect import DetectorSettings
from edgecam.edge.faces.model_file import MODEL_FILE, FaceModelMeta, load_lbph, read_metadata, save
from edgecam.train.faces.job import train_faces
from edgecam.train.faces.training import REJECT_TARGET, LbphParams


def rename(model_dir: Path, old: str, new: str) -> FaceModelMeta:
    meta = read_metadata(model_dir)
    meta.names = {label: new if name == old else name for label, name in meta.names.items()}
    if old in meta.people:
        meta.people = {new if name == old else name: count for name, count in meta.people.items()}
    save(Path(model_dir), load_lbph(Path(model_dir) / MODEL_FILE), meta)
    return meta


def first(model_dir: Path, library: Path, on_image: Callable[[int, int], None] | None = None) -> FaceModelMeta:
    """The first model, trained from ``library`` with the default settings (``edgecam train faces``'s)."""
    console = Console(file=io.StringIO())  # the caller reports progress its own way
    return train_faces(
        Path(library),
        Path(model_dir),
        DetectorSettings(),
        CropSettings(),
        LbphParams(),
        40,
        None,
        console,
        REJECT_TARGET,
        on_image,
    )


def retrain(model_dir: Path, library: Path, on_image: Callable[[int, int], None] | None = None) -> FaceModelMeta:
    """The model trained afresh from ``library`` with the settings it was trained with."""
    meta = read_metadata(model_dir)
    threshold = meta.threshold.distance if meta.threshold.calibrated_distance is not None else None
    return train_faces(
        Path(library),
        Path(model_dir),
        DetectorSettings(**meta.detector),
        CropSettings(**meta.crop),
        LbphParams(**meta.lbph) if meta.lbph else LbphParams(),
        meta.max_per_person or 40,
        threshold,
        Console(file=io.StringIO()),  # the caller reports progress its own way
        meta.threshold.reject_target or REJECT_TARGET,
        on_image,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m edgecam.train.faces.library_changes add MODEL NAME IMAGE... | rename MODEL OLD NEW |
    retrain MODEL LIBRARY | first MODEL LIBRARY``: how the running loop changes its model, in a process of its own (the
    loop never shares an interpreter with training). Progress goes to stdout as ``progress F``
    lines; a failure is one sentence on stderr and exit code 1."""
    from edgecam.edge.errors import EdgecamError
    from edgecam.train.faces.enroll import update_model

    action, model, *rest = argv if argv is not None else sys.argv[1:]
    try:
        if action == "add":
            update_model(Path(model), rest[0], [Path(p) for p in rest[1:]])
        elif action == "rename":
            rename(Path(model), rest[0], rest[1])
        elif action in ("retrain", "first"):
            train = retrain if action == "retrain" else first
            train(Path(model), Path(rest[0]), lambda done, total: print(f"progress {done / total:.3f}", flush=True))
        else:
            raise EdgecamError(f"Unknown change {action!r}.")
    except EdgecamError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
