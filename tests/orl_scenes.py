"""ORL faces placed into camera-like frames, shared by the face tests and the benchmark notes.

A probe frame is 640x480: a textured background with uneven light, the ORL image
scaled up (a face at arm's length) at a random place, and sensor noise.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.conftest import SHARED_DATA

ORL = SHARED_DATA / "faces" / "orl"


def orl_image(person: int, index: int) -> np.ndarray:
    return cv2.imread(str(ORL / f"s{person}" / f"{index}.pgm"), cv2.IMREAD_GRAYSCALE)


def textured_background(rng: np.random.Generator, size=(480, 640)) -> np.ndarray:
    noise = rng.normal(0, 1, (size[0] // 16, size[1] // 16))
    texture = cv2.resize(noise, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
    texture = (texture - texture.min()) / (np.ptp(texture) + 1e-9)
    light = np.linspace(0.6, 1.1, size[1])[None, :] * np.linspace(0.8, 1.0, size[0])[:, None]
    return np.clip((70 + 110 * texture) * light, 0, 255).astype(np.uint8)


def place_in_frame(face: np.ndarray, rng: np.random.Generator, scale: float = 2.2) -> tuple[np.ndarray, tuple]:
    frame = textured_background(rng)
    big = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    h, w = big.shape
    x = int(rng.integers(20, frame.shape[1] - w - 20))
    y = int(rng.integers(10, frame.shape[0] - h - 10))
    frame[y : y + h, x : x + w] = big
    noisy = frame.astype(np.float32) + rng.normal(0, 4, frame.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8), (x, y, w, h)


def write_orl_dataset(target: Path, people, images) -> Path:
    for person in people:
        folder = target / f"s{person}"
        folder.mkdir(parents=True, exist_ok=True)
        for index in images:
            cv2.imwrite(str(folder / f"{index}.png"), orl_image(person, index))
    return target


def benchmark(model_dir: Path, seed: int = 7) -> dict:
    """The issue's figure: s1-s30 enrolled from images 1-8; images 9-10 of all 40 in camera-like frames."""
    from edgecam.edge.faces.recognizer import UNKNOWN, FaceRecognizer

    recognizer = FaceRecognizer(model_dir)
    rng = np.random.default_rng(seed)
    known = strangers = 0
    for person in range(1, 41):
        for index in (9, 10):
            frame, (x, y, w, h) = place_in_frame(orl_image(person, index), rng)
            faces = [
                f
                for f in recognizer(frame)
                if x <= f.box[0] + f.box[2] / 2 <= x + w and y <= f.box[1] + f.box[3] / 2 <= y + h
            ]
            name = faces[0].name if faces else None
            if person <= 30:
                known += name == f"s{person}"
            else:
                strangers += name == UNKNOWN
    return {"known_named_right": known / 60, "strangers_unknown": strangers / 20}


if __name__ == "__main__":
    # python -m tests.orl_scenes MODEL_DIR   (train it with: edgecam train faces DATASET of s1-s30, images 1-8)
    import json
    import sys

    print(json.dumps(benchmark(Path(sys.argv[1]))))
