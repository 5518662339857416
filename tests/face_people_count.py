"""How well a face model tells strangers apart by how many people it knows, and from how many photos.

    python -m tests.face_people_count WORK [--people 2,3,5,8] [--photos 8]

Trains ``edgecam train faces`` on ORL s1-sK (photos 1..P), then names, one face per frame on
a textured background (tests.orl_scenes.place_in_frame), strangers s31-s40 (photos 1-10) and the
known people's unseen photos 9-10. Prints one row per K. Nothing about the camera is held out: it
measures the rule's need for rivals, not its robustness.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

from edgecam.edge.faces.recognizer import UNKNOWN, FaceRecognizer
from tests.orl_scenes import orl_image, place_in_frame, write_orl_dataset


def share_named(recognizer: FaceRecognizer, people: list[int], photos, rng, right) -> tuple[float, int]:
    """The share of faces found in frames of ``people``'s ``photos`` for which ``right(person, name)``."""
    hits = total = 0
    for person in people:
        for photo in photos:
            frame, _ = place_in_frame(orl_image(person, photo), rng)
            for face in recognizer(frame):
                hits += right(person, face.name)
                total += 1
    return hits / max(total, 1), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--people", default="2,3,5,8")
    parser.add_argument("--photos", type=int, default=8)
    args = parser.parse_args()
    for count in map(int, args.people.split(",")):
        dataset = write_orl_dataset(args.work / f"people{count}", range(1, count + 1), range(1, args.photos + 1))
        model = args.work / f"model{count}"
        command = [sys.executable, "-m", "edgecam", "train", "faces", str(dataset), "--out", str(model)]
        subprocess.run(command, capture_output=True, check=True)
        recognizer, rng = FaceRecognizer(model), np.random.default_rng(0)
        strangers, n = share_named(recognizer, list(range(31, 41)), range(1, 11), rng, lambda p, name: name == UNKNOWN)
        known, m = share_named(recognizer, list(range(1, count + 1)), (9, 10), rng, lambda p, name: name == f"s{p}")
        row = f"{count} people x {args.photos} photos: strangers unknown {strangers:.1%} of {n}"
        print(f"{row}, known named {known:.1%} of {m}")


if __name__ == "__main__":
    main()
