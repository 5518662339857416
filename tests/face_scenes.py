"""A face benchmark on scenes the project never tuned on: what a camera varies, per condition.

Enrolment is ORL s1-s30, images 1-8. Probes are images 9 and 10 of all 40 people
(s31-s40 are strangers), pasted at face heights of 100-300 px into 640x480 frames
on three kinds of background, under a random gain, sensor noise and blur. Face-free
frames of the same backgrounds count phantom faces.

Backgrounds come in two disjoint splits so that figures can be reported on what
tuning never saw:

- ``tune``: generated flat and blotchy walls from seeds below 10,000, and the
  scikit-image photographs in ``TUNE_PHOTOS``;
- ``heldout``: generated walls from seeds 10,000 and up, the other scikit-image
  photographs (``HELDOUT_PHOTOS``) and both of scikit-learn's photographs, a
  package that played no part in tuning.

``python -m tests.face_scenes MODEL_DIR [--split heldout] [--json]`` prints the
per-condition table docs/benchmarks.md quotes.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.faces.detect import centre_inside
from tests.orl_scenes import ORL, orl_image

FRAME = (640, 480)
SCALE_BINS = ((100, 150), (150, 200), (200, 250), (250, 300))  # face image height in the frame, px
KINDS = ("flat", "blotchy", "photo")
HELDOUT_SEED = 10_000
# Photographs without faces (astronaut and camera have faces; the rest are too small or synthetic).
TUNE_PHOTOS = ("brick", "grass", "chelsea", "coffee", "text", "coins", "clock")
HELDOUT_PHOTOS = (
    "gravel",
    "rocket",
    "page",
    "hubble_deep_field",
    "retina",
    "immunohistochemistry",
    "moon",
    "horse",
    "cell",
    "logo",
)
SKLEARN_PHOTOS = ("china.jpg", "flower.jpg")


@cache
def photographs(split: str) -> tuple[np.ndarray, ...]:
    """Grey photographs shipped by packages on the index (scikit-image, scikit-learn)."""
    from skimage import data

    photos = []
    for name in TUNE_PHOTOS if split == "tune" else HELDOUT_PHOTOS:
        image = np.asarray(getattr(data, name)())
        photos.append(_grey(image))
    if split != "tune":
        from sklearn.datasets import load_sample_image

        photos += [_grey(load_sample_image(name)) for name in SKLEARN_PHOTOS]
    return tuple(photos)


def _grey(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        image = np.clip(image * (255 if image.max() <= 1 else 1), 0, 255).astype(np.uint8)
    if image.ndim == 3:
        image = cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2GRAY)
    return image


def background(kind: str, rng: np.random.Generator, split: str) -> np.ndarray:
    width, height = FRAME
    if kind == "flat":  # a painted wall: one level, a soft light gradient
        level = rng.uniform(25, 230)
        ramp = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(1.0, 1.2), width)[None, :]
        return np.clip(np.full((height, width), level) * ramp, 0, 255).astype(np.uint8)
    if kind == "blotchy":  # plaster, curtains, foliage out of focus: blotches of random size and contrast
        cell = int(rng.integers(6, 40))
        noise = rng.normal(0, 1, (height // cell + 2, width // cell + 2))
        texture = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
        texture = (texture - texture.min()) / (np.ptp(texture) + 1e-9)
        low, span = rng.uniform(10, 140), rng.uniform(40, 140)
        light = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.9, 1.2), width)[None, :]
        return np.clip((low + span * texture) * light, 0, 255).astype(np.uint8)
    photos = photographs(split)
    photo = photos[int(rng.integers(len(photos)))]
    # A random window of the photograph at a random zoom, stretched to the frame.
    zoom = rng.uniform(0.5, 1.0)
    ph, pw = photo.shape
    ch, cw = max(8, int(ph * zoom)), max(8, int(pw * zoom))
    y, x = int(rng.integers(0, ph - ch + 1)), int(rng.integers(0, pw - cw + 1))
    return cv2.resize(photo[y : y + ch, x : x + cw], FRAME, interpolation=cv2.INTER_LINEAR)


def camera(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What a cheap camera adds: exposure gain, a little defocus, sensor noise."""
    out = frame.astype(np.float32) * rng.uniform(0.6, 1.3)
    sigma = rng.choice([0.0, 0.6, 1.2])
    if sigma:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    out += rng.normal(0, rng.uniform(2, 8), out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def paste(
    frame: np.ndarray, face: np.ndarray, height: int, rng: np.random.Generator, at: tuple[int, int] | None = None
) -> tuple[int, int, int, int]:
    """Paste ``face`` scaled to ``height`` px at ``at`` or a random place, its edge feathered over 3 px."""
    scale = height / face.shape[0]
    big = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    h, w = big.shape
    x, y = at if at else (int(rng.integers(0, FRAME[0] - w + 1)), int(rng.integers(0, FRAME[1] - h + 1)))
    alpha = np.zeros((h, w), np.float32)
    alpha[3:-3, 3:-3] = 1
    alpha = cv2.GaussianBlur(alpha, (7, 7), 0)
    region = frame[y : y + h, x : x + w].astype(np.float32)
    frame[y : y + h, x : x + w] = (alpha * big + (1 - alpha) * region).astype(np.uint8)
    return x, y, w, h


@dataclass
class Probe:
    frame: np.ndarray
    truth: str | None  # "sN" for an enrolled person, "unknown" for a stranger, None for a face-free frame
    box: tuple[int, int, int, int] | None
    kind: str
    scale_bin: str


def probes(split: str = "heldout", seed: int = 0, face_free_per_kind: int = 40):
    """Every condition: images 9-10 of s1-s40 once per (kind, scale bin), plus face-free frames."""
    base = HELDOUT_SEED if split == "heldout" else 0
    rng = np.random.default_rng(base + seed)
    for kind in KINDS:
        for low, high in SCALE_BINS:
            for person in range(1, 41):
                for index in (9, 10):
                    frame = background(kind, rng, split)
                    box = paste(frame, orl_image(person, index), int(rng.integers(low, high)), rng)
                    yield Probe(
                        camera(frame, rng), f"s{person}" if person <= 30 else "unknown", box, kind, f"{low}-{high}"
                    )
        for _ in range(face_free_per_kind):
            yield Probe(camera(background(kind, rng, split), rng), None, None, kind, "none")


def score(recognizer, split: str = "heldout", seed: int = 0) -> dict:
    """Per condition: known named right, strangers unknown, faces missed, frames with a phantom face."""
    table: dict[str, dict[str, int]] = {}

    def row(key):
        return table.setdefault(
            key,
            {
                "known": 0,
                "known_right": 0,
                "strangers": 0,
                "strangers_unknown": 0,
                "missed": 0,
                "face_frames": 0,
                "phantom_frames": 0,
                "free_frames": 0,
                "free_phantoms": 0,
            },
        )

    for probe in probes(split, seed):
        faces = recognizer(probe.frame)
        keys = (f"kind={probe.kind}", f"scale={probe.scale_bin}") if probe.truth else (f"kind={probe.kind}",)
        for key in (*keys, "all"):
            r = row(key)
            if probe.truth is None:
                r["free_frames"] += 1
                r["free_phantoms"] += bool(faces)
                continue
            on_face = [f for f in faces if centre_inside(f.box, probe.box)]
            r["face_frames"] += 1
            r["phantom_frames"] += len(on_face) < len(faces)
            r["missed"] += not on_face
            name = on_face[0].name if on_face else None
            if probe.truth == "unknown":
                r["strangers"] += 1
                r["strangers_unknown"] += name == "unknown"
            else:
                r["known"] += 1
                r["known_right"] += name == probe.truth
    return {key: _rates(counts) for key, counts in table.items()}


def _rates(c: dict) -> dict:
    def ratio(a, b):
        return round(c[a] / c[b], 4) if c[b] else None

    return {
        "known_named_right": ratio("known_right", "known"),
        "strangers_unknown": ratio("strangers_unknown", "strangers"),
        "faces_missed": ratio("missed", "face_frames"),
        "phantom_on_face_frames": ratio("phantom_frames", "face_frames"),
        "phantom_on_face_free": ratio("free_phantoms", "free_frames"),
        "counts": c,
    }


def format_table(report: dict) -> str:
    lines = [
        "| condition | known named right | strangers unknown | faces missed "
        "| phantom (face frames) | phantom (face-free) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]

    def pct(v):
        return "" if v is None else f"{100 * v:.1f} %"

    for key in sorted(report, key=lambda k: (k == "all", k)):
        r = report[key]
        lines.append(
            f"| {key} | {pct(r['known_named_right'])} | {pct(r['strangers_unknown'])} | {pct(r['faces_missed'])} "
            f"| {pct(r['phantom_on_face_frames'])} | {pct(r['phantom_on_face_free'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    from edgecam.edge.faces.recognizer import FaceRecognizer

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", type=Path, help="a face model trained on ORL s1-s30, images 1-8")
    parser.add_argument("--split", choices=("tune", "heldout"), default="heldout")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--yunet", default=None, help="detect with this YuNet model instead of the model's detector")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not ORL.is_dir():
        raise SystemExit(f"ORL faces not found at {ORL}")
    report = score(FaceRecognizer(args.model, yunet_model=args.yunet, still=True), args.split, args.seed)
    print(json.dumps(report) if args.json else format_table(report))


if __name__ == "__main__":
    main()
