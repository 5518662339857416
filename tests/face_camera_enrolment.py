"""The face benchmark with a gallery taken in through a camera, as most users will enrol.

For each of ORL s1-s30, a clip: images 1-8 in turn, each held for a few frames at
120-240 px on a held-out background, through one of the held-out camera effects
(``tests.heldout_camera``), so the gallery is as poor as the camera that made it.
``edgecam enroll sN --source CLIP --dataset DS`` takes each person in, ``edgecam
train faces DS`` trains the model, and the stills benchmark (``tests.face_scenes``)
measures it per condition, as for a gallery of clean photographs.

``python -m tests.face_camera_enrolment WORK_DIR [--jobs 2] [--json]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from tests.face_scenes import FRAME, HELDOUT_SEED, background, paste
from tests.heldout_camera import CONDITIONS
from tests.orl_scenes import ORL, orl_image

# The cameras a gallery is taken in through: one per person, in turn.
ENROLMENT_CAMERAS = ("clean", "jpeg-70", "low-res-320x240", "bayer-noise", "jpeg-50", "dark")
FRAMES_PER_IMAGE = 3


def write_clip(person: int, folder: Path, seed: int = 0) -> str:
    """Images 1-8 of ``person`` as an image-folder clip; returns the camera effect it went through."""
    rng = np.random.default_rng(HELDOUT_SEED + 7_000 + 100 * seed + person)
    effect_name = ENROLMENT_CAMERAS[person % len(ENROLMENT_CAMERAS)]
    effect = CONDITIONS[effect_name]
    wall = background(str(rng.choice(["flat", "blotchy"])), rng, "heldout")
    folder.mkdir(parents=True, exist_ok=True)
    index = 0
    for image in range(1, 9):
        height = int(rng.integers(120, 240))
        x = int(rng.integers(0, FRAME[0] - height))
        y = int(rng.integers(0, FRAME[1] - height - 20))
        for _ in range(FRAMES_PER_IMAGE):
            frame = wall.copy()
            paste(frame, orl_image(person, image), height, rng, at=(x, y))
            cv2.imwrite(str(folder / f"{index:05d}.png"), effect(frame, rng))
            index += 1
    return effect_name


def enrol_through_camera(work: Path, seed: int = 0) -> Path:
    """Clips, ``edgecam enroll`` for s1-s30, then ``edgecam train faces``: the model's folder."""
    dataset, clips, model = work / "dataset", work / "clips", work / "model"
    for person in range(1, 31):
        clip = clips / f"s{person}"
        write_clip(person, clip, seed)
        _edgecam("enroll", f"s{person}", "--source", str(clip), "--dataset", str(dataset), "--count", "8")
    _edgecam("train", "faces", str(dataset), "--out", str(model))
    return model


def _edgecam(*args: str) -> None:
    from tests.conftest import run_cli

    result = run_cli(*args)
    if result.returncode != 0:
        raise RuntimeError(f"edgecam {' '.join(args[:2])} failed: {result.stderr[-2000:]}")


def main() -> None:
    from tests.face_scenes import format_table, merge, one_condition

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path, help="a folder for the clips, the enrolled dataset and the model")
    parser.add_argument("--conditions", default="all", help="comma-separated names from tests.heldout_camera, or all")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not ORL.is_dir():
        raise SystemExit(f"ORL faces not found at {ORL}")
    model = args.work / "model"
    if not (model / "faces.json").is_file():
        model = enrol_through_camera(args.work)
    from concurrent.futures import ProcessPoolExecutor

    names = list(CONDITIONS) if args.conditions == "all" else args.conditions.split(",")
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        parts = list(pool.map(one_condition, [(model, None, "heldout", 0, name) for name in names]))
    report = merge([part[0] for part in parts])
    print(json.dumps(report) if args.json else format_table(report))


if __name__ == "__main__":
    main()
