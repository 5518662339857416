"""People arriving and leaving in front of a fixed camera, with the truth for every frame.

A sequence is a row of segments on one background: nobody, one person or two,
each arriving by a cut (there from one frame to the next, as when a door
opens) and then either standing or walking across the frame. Faces are ORL
images 9-10 (never enrolled) at 120-280 px, under the tuning camera of
``tests.face_scenes`` or, held out, one condition of ``tests.heldout_camera``.
``score_loop`` runs the real tracker over it and reports what a viewer of the
overlay would see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgecam.edge.faces.detect import centre_inside
from tests.face_scenes import FRAME, background, camera, paste
from tests.heldout_camera import CONDITIONS
from tests.orl_scenes import orl_image


@dataclass
class Sequence:
    frames: list[np.ndarray] = field(default_factory=list)
    truth: list[list[tuple[str, tuple[int, int, int, int]]]] = field(default_factory=list)  # (name, box) in view
    arrivals: list[tuple[int, str]] = field(default_factory=list)  # (frame, name)
    departures: list[tuple[int, str]] = field(default_factory=list)


def make_sequence(
    people: list[int],
    seed: int,
    split: str = "tune",
    kind: str = "blotchy",
    segments: int = 8,
    segment_frames: int = 45,
    enrolled=range(1, 31),
    condition: str = "clean",
) -> Sequence:
    """``people``: ORL person numbers to draw from; those in ``enrolled`` are named, others "unknown".
    Held out, every frame goes through ``condition`` (tests.heldout_camera.CONDITIONS)."""
    rng = np.random.default_rng(seed)
    # The camera draws from its own generator, so every condition films the same people and moves.
    camera_rng = np.random.default_rng(seed + 1_000_000) if split == "heldout" else rng
    effect = CONDITIONS[condition] if split == "heldout" else camera
    wall = background(kind, rng, split)
    sequence = Sequence()
    in_view: list[dict] = []
    for segment in range(segments):
        # Every other segment changes who is there; a segment may be empty.
        count = int(rng.choice([0, 1, 1, 2])) if segment else 1
        leaving = in_view
        in_view = []
        start = len(sequence.frames)
        for slot in range(count):
            person = int(rng.choice(people))
            height = int(rng.integers(120, 280))
            walk = bool(rng.random() < 0.5)
            name = f"s{person}" if person in enrolled else "unknown"
            in_view.append(
                {
                    "person": person,
                    "name": name,
                    "height": height,
                    "walk": walk,
                    "slot": slot,
                    "y": int(rng.integers(0, FRAME[1] - height + 1)),
                    "image": int(rng.choice([9, 10])),
                }
            )
        for person in leaving:
            sequence.departures.append((start, person["name"]))
        for frame_index in range(segment_frames):
            frame = wall.copy()
            shown = []
            for person in in_view:
                x = _x_position(person, frame_index, segment_frames, len(in_view))
                face = orl_image(
                    person["person"], person["image"] if frame_index < segment_frames // 2 else 19 - person["image"]
                )
                box = paste(frame, face, person["height"], np.random.default_rng(0), at=(x, person["y"]))
                shown.append((person["name"], box))
            if frame_index == 0:
                sequence.arrivals += [(start, name) for name, _ in shown]
            sequence.frames.append(effect(frame, camera_rng))
            sequence.truth.append(shown)
    return sequence


def _x_position(person: dict, index: int, frames: int, count: int) -> int:
    width = round(person["height"] * 92 / 112)
    lane = FRAME[0] // count
    low, high = person["slot"] * lane, (person["slot"] + 1) * lane - width
    high = max(low, high)
    if not person["walk"]:
        return (low + high) // 2
    # Crosses its lane at an even pace.
    progress = index / max(1, frames - 1)
    return int(low + progress * (high - low))


@dataclass
class Shown:
    name: str
    box: tuple[int, int, int, int]


def shown_in_events(path) -> list[list[Shown]]:
    """What ``edgecam run --events`` said it showed, frame by frame."""
    import json

    lines = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return [[Shown(f["name"], tuple(f["box"])) for f in event["faces"]] for event in lines]


def score_loop(shown_per_frame: list[list], sequence: Sequence) -> dict:
    """How often the overlay showed exactly the people in view, how long a departed person's name
    stayed, and how soon an arrival was named (``shown_per_frame``: objects with name and box)."""
    exact = strangers_named = stranger_frames = 0
    for faces, truth in zip(shown_per_frame, sequence.truth, strict=False):
        strangers = [box for name, box in truth if name == "unknown"]
        stranger_frames += bool(strangers)
        strangers_named += any(f.name != "unknown" and centre_inside(f.box, box) for f in faces for box in strangers)
        matched = sorted(
            name for name, box in truth if any(f.name == name and centre_inside(f.box, box) for f in faces)
        )
        exact += len(faces) == len(truth) and matched == sorted(name for name, _ in truth)
    lingering = []
    for start, _name in sequence.departures:
        frames = 0
        for faces, truth in zip(shown_per_frame[start:], sequence.truth[start:], strict=False):
            stale = [f for f in faces if not any(centre_inside(f.box, box) for _, box in truth)]
            if not stale:
                break
            frames += 1
        lingering.append(frames)
    naming = []
    for start, name in sequence.arrivals:
        end = next(
            (i for i in range(start + 1, len(sequence.truth)) if not any(n == name for n, _ in sequence.truth[i])),
            len(sequence.truth),
        )
        lag = next(
            (
                i - start
                for i in range(start, end)
                if any(
                    f.name == name and any(centre_inside(f.box, b) for n, b in sequence.truth[i] if n == name)
                    for f in shown_per_frame[i]
                )
            ),
            None,
        )
        naming.append(lag)
    return {
        "frames": len(sequence.frames),
        "exact_frames": exact / len(sequence.frames),
        # Frames where a stranger in view was shown with someone's name: the mistake that matters most.
        "stranger_named_frames": strangers_named,
        "stranger_frames": stranger_frames,
        "lingering_frames": lingering,
        "naming_frames": naming,
    }


def write_frames(sequence: Sequence, folder) -> None:
    """The sequence as numbered PNGs, a source ``edgecam run`` reads in order, losslessly."""
    from pathlib import Path

    import cv2

    Path(folder).mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(sequence.frames):
        cv2.imwrite(str(Path(folder) / f"{index:05d}.png"), frame)


def run_loop(model: Path, frames: Path, events: Path) -> None:
    """``edgecam run --threads 1`` over a folder of frames with the face model, its events to ``events``."""
    from tests.conftest import run_cli

    command = ["run", "--source", str(frames), "--faces", str(model), "--headless", "--events", str(events)]
    result = run_cli(*command, "--threads", "1", timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"edgecam run failed: {result.stderr[-2000:]}")


def run_sequence(model: Path, sequence: Sequence, work: Path) -> dict:
    """``edgecam run`` over the sequence's frames with the face model, scored."""
    write_frames(sequence, work / "frames")
    run_loop(model, work / "frames", work / "events.jsonl")
    return score_loop(shown_in_events(work / "events.jsonl"), sequence)


def _one_run(job) -> tuple[str, int, dict]:
    import tempfile

    model, condition, seed = job
    sequence = make_sequence(list(range(1, 41)), seed, split="heldout", segments=6, condition=condition)
    with tempfile.TemporaryDirectory() as work:
        return condition, seed, run_sequence(model, sequence, Path(work))


def main() -> None:
    """``python -m tests.face_loop_scenes MODEL [--conditions all] [--seeds 101,102] [--jobs 2]``: the
    loop on held-out sequences through each held-out camera condition, one table row per condition."""
    import argparse
    from concurrent.futures import ProcessPoolExecutor

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("--conditions", default="all")
    parser.add_argument("--seeds", default="101,102")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    names = list(CONDITIONS) if args.conditions == "all" else args.conditions.split(",")
    jobs = [(args.model, name, int(seed)) for name in names for seed in args.seeds.split(",")]
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(_one_run, jobs))
    print(
        "| condition | frames with exactly the right people | frames a stranger was named "
        "| longest lingering (frames) | arrivals named within 15 frames |"
    )
    print("| --- | --- | --- | --- | --- |")
    for name in names:
        rows = [r for c, _, r in results if c == name]
        frames = sum(r["frames"] for r in rows)
        exact = sum(r["exact_frames"] * r["frames"] for r in rows) / frames
        named = sum(r["stranger_named_frames"] for r in rows)
        stranger_frames = sum(r["stranger_frames"] for r in rows)
        lags = [lag for r in rows for lag in r["naming_frames"]]
        prompt = sum(lag is not None and lag <= 15 for lag in lags)
        linger = max(max(r["lingering_frames"], default=0) for r in rows)
        print(f"| {name} | {100 * exact:.1f} % | {named} of {stranger_frames} | {linger} | {prompt} of {len(lags)} |")


if __name__ == "__main__":
    main()
