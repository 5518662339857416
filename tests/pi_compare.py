"""The Raspberry Pi check's comparison: what the emulated Pi answered against what x86 answered,
for the same inputs (``tests/pi_check.py`` runs both)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def compare(x86: Path, arm: Path, log: Callable[[str], None] = print) -> list[str]:
    """What differs between the two runs' answers (empty when they agree); ``log`` is told what
    was compared."""
    import cv2

    from edgecam.edge.faces.tracker import iou

    problems = []

    def lines(folder, name):
        return [json.loads(line) for line in (folder / name).read_text().splitlines()]

    read_x86, read_arm = lines(x86, "read.jsonl"), lines(arm, "read.jsonl")

    def texts(records):
        return [(Path(r["image"]).name, r["text"]) for r in records]

    # As for the loop's frames: two different texts are a fault; a card read on one side and
    # unsure on the other (a digit at 0.899 against 0.906, OpenCV 4.11 against 4.14) is a
    # hesitation, allowed on a quarter of the cards.
    named = [Path(r["image"]).name for r in read_x86] == [Path(r["image"]).name for r in read_arm]
    contradictions, hesitations = _disagreements(list(zip(read_x86, read_arm, strict=False)))
    if not named or len(read_x86) != len(read_arm) or contradictions:
        problems.append(f"edgecam read differs: {texts(read_x86)} vs {texts(read_arm)}")
    elif hesitations > HESITATIONS * len(read_x86):
        problems.append(f"edgecam read is unsure of too many cards: {texts(read_x86)} vs {texts(read_arm)}")
    ious = []
    for a, b in zip(lines(x86, "recognize.jsonl"), lines(arm, "recognize.jsonl"), strict=True):
        names_a, names_b = [f["name"] for f in a["faces"]], [f["name"] for f in b["faces"]]
        if names_a != names_b:
            problems.append(f"edgecam recognize differs on {Path(a['image']).name}: {names_a} vs {names_b}")
        ious += [iou(f["box"], g["box"]) for f, g in zip(a["faces"], b["faces"], strict=False)]
    if ious and min(ious) < 0.8:
        problems.append(f"edgecam recognize's face boxes moved: smallest IoU {min(ious):.2f}")
    loop_ious = []
    events_x86, events_arm = lines(x86, "events.jsonl"), lines(arm, "events.jsonl")
    if len(events_x86) != 120 or len(events_arm) != 120:
        problems.append(f"edgecam run gave {len(events_x86)} and {len(events_arm)} events, not 120")
    frames = list(zip(events_x86, events_arm, strict=False))
    contradictions, hesitations = _disagreements([(a.get("digits") or {}, b.get("digits") or {}) for a, b in frames])
    for a, b in (frames[i] for i in contradictions):
        problems.append(f"frame {a['frame']}: digits {a.get('digits')} vs {b.get('digits')}")
    for a, b in frames:
        if [f["name"] for f in a["faces"]] != [f["name"] for f in b["faces"]]:
            problems.append(f"frame {a['frame']}: faces {a['faces']} vs {b['faces']}")
        loop_ious += [iou(f["box"], g["box"]) for f, g in zip(a["faces"], b["faces"], strict=False)]
    # The clip is MPEG-4, whose decoders may round differently on ARM and x86 by a grey level, and the
    # loop's change watch turns pixel differences into yes-or-no decisions: where one falls the
    # other way, the same face is framed by another search for a frame or two (IoU 0.69 seen).
    # The same face at the same place is what must agree: IoU 0.5, the usual match of two boxes.
    if loop_ious and min(loop_ious) < 0.5:
        problems.append(f"edgecam run's face boxes moved: smallest IoU {min(loop_ious):.2f}")
    ious += loop_ious
    if hesitations > HESITATIONS * len(events_x86):
        problems.append(f"one side unsure where the other read a text on {hesitations} of {len(events_x86)} frames")
    recording = cv2.VideoCapture(str(arm / "run.mp4"))
    recorded = int(recording.get(cv2.CAP_PROP_FRAME_COUNT))
    recording.release()
    if recorded != 120:
        problems.append(f"the recording holds {recorded} frames, not 120")
    log(
        f"compared {len(read_x86)} cards, {len(events_x86)} frames ({hesitations} with one side unsure); "
        f"face box IoU min {min(ious) if ious else float('nan'):.3f} over {len(ious)} boxes"
    )
    return problems


HESITATIONS = 0.25  # of the loop's frames: one side unsure where the other read a text


def _disagreements(pairs: list[tuple[dict, dict]]) -> tuple[list[int], int]:
    """Of pairs of readings (x86, ARM), which contradict each other, and how many hesitate."""
    return [i for i, (a, b) in enumerate(pairs) if _contradict(a, b)], sum(_hesitates(a, b) for a, b in pairs)


def _contradict(x86: dict, arm: dict) -> bool:
    """Whether two readings of one frame are two different texts."""
    return x86.get("text") is not None and arm.get("text") is not None and x86["text"] != arm["text"]


def _hesitates(x86: dict, arm: dict) -> bool:
    """Whether one side read a text and the other was unsure. The clip is MPEG-4, whose decoders
    round a grey level differently on ARM, and every doubt of the reader is a yes or no on a
    level: a digit at 0.89 on one side and 0.91 on the other, a faint mark just above or below
    its level. Neither answer is wrong, but a Pi unsure of many frames x86 reads is a fault."""
    return (x86.get("text") is None) != (arm.get("text") is None)
