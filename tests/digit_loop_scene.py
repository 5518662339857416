"""A clip for the loop's card figures: a card held up in a hand, moving and tilting anywhere in
view (no ROI), a new card every segment, each segment seen through one held-out camera effect.

Writers are MNIST's test digits 5000-9999 (never trained or calibrated on); the effects come
from ``tests/heldout_camera.py``. Run it:

    python -m tests.digit_loop_scene --digits models/digits.onnx --out /tmp/cards

(``--segments clean,clean,clean --max-tilt 40``: the no-ROI goal's tilted card, in the loop.)
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge.scenes.card_views import posed, random_pose
from edgecam.edge.scenes.cards import make_card, printed_card
from edgecam.edge.scenes.clip import desk
from tests import heldout_camera as camera
from tests.digit_card_benchmark import CONDITIONS, MNIST_HELD_OUT

# The benchmark's camera conditions, less two near-repeats (JPEG 50 alone and after a small sensor).
SEGMENTS = tuple(name for name in CONDITIONS if name not in ("jpeg-50", "low-res+jpeg-50"))


@dataclass
class LoopScene:
    path: Path
    texts: list[str] = field(default_factory=list)  # per frame
    conditions: list[str] = field(default_factory=list)  # per frame: its segment's camera effect


def make_scene(
    path: Path,
    mnist,
    seed: int = 5,
    frames_per_segment: int = 60,
    max_tilt: float = 30.0,
    segments: tuple[str, ...] = SEGMENTS,
) -> LoopScene:
    """Write the clip (MJPEG at quality 95, so the codec adds little of its own) and what it shows:
    one card per segment, seen through the segment's camera effect."""
    rng = np.random.default_rng(seed)
    images, labels = mnist.test_images[MNIST_HELD_OUT], mnist.test_labels[MNIST_HELD_OUT]
    background = desk(rng)
    scene = LoopScene(path)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 15.0, (640, 480))
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 95)
    for number, condition in enumerate(segments):
        if number % 2 == 0:
            card = printed_card(images, labels, rng)
        else:
            card = make_card(images, labels, rng, size=(400, 220), margin=0.08)
        start, end = (random_pose(rng, (0, max_tilt)) for _ in range(2))
        effect = camera.CONDITIONS[condition]
        # Each segment is scored on its own: one seen through the same effect as another is numbered.
        label = condition if segments.count(condition) == 1 else f"{condition} {number + 1}"
        for index in range(frames_per_segment):
            pose = start.towards(end, index / frames_per_segment)
            pose.place = (pose.place[0] + rng.uniform(-0.01, 0.01), pose.place[1] + rng.uniform(-0.01, 0.01))  # shake
            grey = cv2.cvtColor(posed(card.image, background, pose).frame, cv2.COLOR_BGR2GRAY)
            writer.write(cv2.cvtColor(effect(grey, rng), cv2.COLOR_GRAY2BGR))
            scene.texts.append(card.text)
            scene.conditions.append(label)
    writer.release()
    return scene


def score(scene: LoopScene, events: list[dict]) -> dict:
    """Per segment: the share of frames whose text was right, unsure, or wrong, and the longest run
    of frames one wrong text was shown for."""
    out: dict = {}
    for event in events:
        index = event["frame"]
        if index >= len(scene.texts):
            continue
        row = out.setdefault(scene.conditions[index], {"frames": 0, "right": 0, "unsure": 0, "wrong": [], "texts": []})
        text = event.get("digits", {}).get("text")
        row["frames"] += 1
        row["right"] += text == scene.texts[index]
        row["unsure"] += text is None
        row["texts"].append(text if text is None or text == scene.texts[index] else f"!{text}")
    for row in out.values():
        runs = [len(list(run)) for key, run in groupby(row.pop("texts")) if key is not None and key.startswith("!")]
        row["wrong"] = row["frames"] - row["right"] - row["unsure"]
        row["longest_wrong_run"] = max(runs, default=0)
        for key in ("right", "unsure", "wrong"):
            row[key] = round(row[key] / max(row["frames"], 1), 3)
    return out


def main() -> None:
    import subprocess
    import sys

    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist, load_mnist

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digits", required=True)
    parser.add_argument("--out", type=Path, required=True, help="a folder for the clip and the events")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--max-tilt", type=float, default=30.0, help="degrees out of plane, at most")
    parser.add_argument(
        "--segments", default=",".join(SEGMENTS), help="camera effects, one a segment (e.g. clean,clean,clean)"
    )
    parser.add_argument("--config", type=Path, help="a TOML config for `edgecam run` (e.g. `[digits] sure = 0.9`)")
    args = parser.parse_args()
    segments = tuple(args.segments.split(","))
    unknown = [name for name in segments if name not in camera.CONDITIONS]
    if unknown:
        parser.error(f"no such camera effect: {', '.join(unknown)} (choose from {', '.join(camera.CONDITIONS)})")
    args.out.mkdir(parents=True, exist_ok=True)
    mnist = load_mnist(ensure_mnist(default_data_dir()))
    scene = make_scene(args.out / "cards.avi", mnist, args.seed, max_tilt=args.max_tilt, segments=segments)
    events = args.out / "events.jsonl"
    events.unlink(missing_ok=True)
    run = [sys.executable, "-m", "edgecam", "run", "--source", str(scene.path), "--digits", args.digits]
    if args.config:
        run += ["--config", str(args.config)]
    subprocess.run([*run, "--events", str(events), "--headless", "--threads", "1"], check=True)
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    print(json.dumps(score(scene, lines), indent=1))


if __name__ == "__main__":
    main()
