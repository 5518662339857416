"""A face benchmark on scenes the project never tuned on: what a camera varies, per condition.

Enrolment is ORL s1-s30, images 1-8. Probes are images 9 and 10 of all 40 people
(s31-s40 are strangers), pasted at face heights of 100-300 px into 640x480 frames
on three kinds of background. Face-free frames of the same backgrounds count
phantom faces.

Backgrounds and camera effects come in two disjoint splits so that figures can be
reported on what tuning and calibration never saw:

- ``tune``: generated flat and blotchy walls from seeds below 10,000, the
  scikit-image photographs in ``TUNE_PHOTOS``, under ``camera`` (a gain, blur and
  noise like the calibration family's);
- ``heldout``: generated walls from seeds 10,000 and up, the other scikit-image
  photographs (``HELDOUT_PHOTOS``) and both of scikit-learn's photographs, a
  package that played no part in tuning, each frame through one condition of
  ``tests.heldout_camera``, camera effects no calibration ever sees.

``python -m tests.face_scenes MODEL_DIR [--split heldout] [--conditions all] [--json]``
prints the per-condition table docs/benchmarks.md quotes.
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
from edgecam.edge.faces.recognizer import POOR
from tests.heldout_camera import CONDITIONS
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
    """The tuning split's camera: exposure gain, a little defocus, sensor noise (what the face
    settings were tuned through; the held-out split uses tests.heldout_camera instead)."""
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
    condition: str


def probes(split: str = "heldout", seed: int = 0, condition: str = "clean", face_free_per_kind: int = 40):
    """Every condition: images 9-10 of s1-s40 once per (kind, scale bin), plus face-free frames;
    held out, through ``condition`` (a name in tests.heldout_camera.CONDITIONS)."""
    base = HELDOUT_SEED if split == "heldout" else 0
    rng = np.random.default_rng(base + seed)
    # Held out, the camera draws from its own generator: every condition films the same scenes.
    camera_rng = np.random.default_rng(base + seed + 1_000_000) if split == "heldout" else rng
    effect = CONDITIONS[condition] if split == "heldout" else camera
    for kind in KINDS:
        for low, high in SCALE_BINS:
            for person in range(1, 41):
                for index in (9, 10):
                    frame = background(kind, rng, split)
                    box = paste(frame, orl_image(person, index), int(rng.integers(low, high)), rng)
                    truth = f"s{person}" if person <= 30 else "unknown"
                    yield Probe(effect(frame, camera_rng), truth, box, kind, f"{low}-{high}", condition)
        for _ in range(face_free_per_kind):
            yield Probe(effect(background(kind, rng, split), camera_rng), None, None, kind, "none", condition)


def _row() -> dict[str, int]:
    return {
        "known": 0,
        "known_right": 0,
        "known_poor": 0,
        "strangers": 0,
        "strangers_unknown": 0,
        "missed": 0,
        "face_frames": 0,
        "phantom_frames": 0,
        "free_frames": 0,
        "free_phantoms": 0,
    }


def score(recognizer, split: str = "heldout", seed: int = 0, conditions=("clean",), record=None) -> dict:
    """Per condition, kind and face size: known named right, strangers unknown, faces missed,
    frames with a phantom face. ``record``: a list each face's outcome is appended to."""
    table: dict[str, dict[str, int]] = {}
    for condition in conditions:
        for probe in probes(split, seed, condition):
            faces = recognizer(probe.frame)
            on_face = [f for f in faces if probe.box and centre_inside(f.box, probe.box)]
            keys = [f"condition={condition}", f"kind={probe.kind}"]
            if probe.truth:
                keys.append(f"scale={probe.scale_bin}")
            for key in (*keys, "all"):
                _count(table.setdefault(key, _row()), probe, faces, on_face)
            if record is not None and probe.truth:
                record.append(_outcome(probe, on_face[0] if on_face else None))
    return {key: _rates(counts) for key, counts in table.items()}


def _count(r: dict[str, int], probe: Probe, faces, on_face) -> None:
    """One probe into one row: ``faces`` all the recogniser found, ``on_face`` those on the probe's face."""
    if probe.truth is None:
        r["free_frames"] += 1
        r["free_phantoms"] += bool(faces)
        return
    r["face_frames"] += 1
    r["phantom_frames"] += len(on_face) < len(faces)
    r["missed"] += not on_face
    face = on_face[0] if on_face else None
    if probe.truth == "unknown":
        # A stranger the detector missed was given no name either: faces missed counts it.
        r["strangers"] += face is not None
        r["strangers_unknown"] += face is not None and face.name == "unknown"
    else:
        r["known"] += 1
        r["known_right"] += face is not None and face.name == probe.truth
        r["known_poor"] += face is not None and face.reason == POOR


def _outcome(probe: Probe, face) -> dict:
    """One face's outcome with what the decision saw, for trade-off curves drawn afterwards."""
    out = {"truth": probe.truth, "condition": probe.condition, "kind": probe.kind, "scale": probe.scale_bin}
    if face is not None:
        out.update(face.to_dict())
        out["nearest"], out["score"] = face.nearest, face.score
    return out


def _rates(c: dict) -> dict:
    def ratio(a, b):
        return round(c[a] / c[b], 4) if c[b] else None

    return {
        "known_named_right": ratio("known_right", "known"),
        "known_unknown_for_quality": ratio("known_poor", "known"),
        "strangers_unknown": ratio("strangers_unknown", "strangers"),
        "faces_missed": ratio("missed", "face_frames"),
        "phantom_on_face_frames": ratio("phantom_frames", "face_frames"),
        "phantom_on_face_free": ratio("free_phantoms", "free_frames"),
        "counts": c,
    }


def format_table(report: dict) -> str:
    lines = [
        "| condition | known named right | known unknown for quality | strangers found, unknown | faces missed "
        "| phantom (face frames) | phantom (face-free) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    def pct(v):
        return "" if v is None else f"{100 * v:.1f} %"

    order = [f"condition={name}" for name in CONDITIONS]

    def place(key: str) -> tuple:
        return (key == "all", key not in order, order.index(key) if key in order else 0, key)

    for key in sorted(report, key=place):
        r = report[key]
        lines.append(
            f"| {key} | {pct(r['known_named_right'])} | {pct(r['known_unknown_for_quality'])} "
            f"| {pct(r['strangers_unknown'])} | {pct(r['faces_missed'])} "
            f"| {pct(r['phantom_on_face_frames'])} | {pct(r['phantom_on_face_free'])} |"
        )
    return "\n".join(lines)


def tradeoff(records: list[dict], cap: float, limits) -> list[tuple[float, str, float, float]]:
    """(limit, condition, known named right, found strangers "unknown") as the ratio's limit moves,
    from a run's recorded faces (``score --record``): each face decided again at each limit, with
    the distance cap and the quality rule as they were."""
    rows = []
    for condition in dict.fromkeys(r["condition"] for r in records):
        known = [r for r in records if r["condition"] == condition and r["truth"] != "unknown"]
        strangers = [r for r in records if r["condition"] == condition and r["truth"] == "unknown" and "score" in r]

        def named(r: dict, limit: float) -> str:
            usable = "score" in r and r.get("reason") is None
            return r["nearest"] if usable and r["score"] <= limit and r["distance"] <= cap else "unknown"

        for limit in limits:
            right = sum(named(r, limit) == r["truth"] for r in known) / max(1, len(known))
            out = sum(named(r, limit) == "unknown" for r in strangers) / max(1, len(strangers))
            rows.append((limit, condition, right, out))
    return rows


def main() -> None:
    from concurrent.futures import ProcessPoolExecutor

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", type=Path, help="a face model trained on ORL s1-s30, images 1-8")
    parser.add_argument("--split", choices=("tune", "heldout"), default="heldout")
    parser.add_argument("--conditions", default="all", help="comma-separated names from tests.heldout_camera, or all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--yunet", default=None, help="detect with this YuNet model instead of the model's detector")
    parser.add_argument("--jobs", type=int, default=1, help="conditions measured side by side")
    parser.add_argument("--record", type=Path, help="write every face's outcome here (JSON lines)")
    parser.add_argument("--tradeoff", type=Path, help="print the trade-off as the limit moves, from a --record file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.tradeoff:
        _print_tradeoff(args.model, args.tradeoff)
        return
    if not ORL.is_dir():
        raise SystemExit(f"ORL faces not found at {ORL}")
    names = list(CONDITIONS) if args.conditions == "all" else args.conditions.split(",")
    if args.split == "tune":
        names = ["clean"]  # the tuning split has its own camera
    jobs = [(args.model, args.yunet, args.split, args.seed, name) for name in names]
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        parts = list(pool.map(one_condition, jobs))
    report = merge([part[0] for part in parts])
    if args.record:
        args.record.write_text("".join(json.dumps(r) + "\n" for part in parts for r in part[1]), encoding="utf-8")
    print(json.dumps(report) if args.json else format_table(report))


def _print_tradeoff(model: Path, record: Path) -> None:
    rule = json.loads((model / "faces.json").read_text(encoding="utf-8"))["threshold"]["relative"]
    still = rule.get("still") or rule
    records = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    limits = [round(still["value"] + step, 3) for step in (-0.06, -0.04, -0.02, 0.0, 0.02, 0.04)]
    print(f"model limit {still['value']:.3f} (stills), distance cap {still['distance_cap']:.2f}")
    print("| limit | condition | known named right | strangers found, unknown |")
    print("| --- | --- | --- | --- |")
    for limit, condition, right, out in tradeoff(records, still["distance_cap"], limits):
        print(f"| {limit:.3f} | {condition} | {100 * right:.1f} % | {100 * out:.1f} % |")


def one_condition(job) -> tuple[dict, list[dict]]:
    from edgecam.edge.faces.recognizer import FaceRecognizer

    model, yunet, split, seed, condition = job
    record: list[dict] = []
    report = score(FaceRecognizer(model, yunet_model=yunet, still=True), split, seed, (condition,), record)
    return {key: value["counts"] for key, value in report.items()}, record


def merge(counts: list[dict]) -> dict:
    """Reports of single conditions as one: the counts of shared rows (kind, scale, all) summed."""
    total: dict[str, dict[str, int]] = {}
    for part in counts:
        for key, row in part.items():
            into = total.setdefault(key, _row())
            for name, value in row.items():
                into[name] += value
    return {key: _rates(row) for key, row in total.items()}


if __name__ == "__main__":
    main()
