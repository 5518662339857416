"""The live loop with people arriving and leaving: departed names go, newcomers are named."""

from __future__ import annotations

import pytest

from tests.face_loop_scenes import make_sequence, run_loop, run_sequence, score_loop, shown_in_events, write_frames
from tests.orl_scenes import ORL

DETECT_EVERY = 4  # edgecam run's default


@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")
@pytest.mark.parametrize("seed", [101, 102])
def test_people_come_and_go_in_the_overlay(orl_model, tmp_path, seed):
    # Held-out backgrounds, seeds never looked at while the tracker was tuned.
    sequence = make_sequence(list(range(1, 41)), seed, split="heldout", segments=6)
    write_frames(sequence, tmp_path / "frames")
    run_loop(orl_model, tmp_path / "frames", tmp_path / "events.jsonl")
    shown = shown_in_events(tmp_path / "events.jsonl")
    assert len(shown) == len(sequence.frames)
    report = score_loop(shown, sequence)
    # A person who left is gone from the events within two detection cycles.
    assert max(report["lingering_frames"]) <= 2 * DETECT_EVERY, report
    # Nearly everyone who arrives is named during their visit and within 0.5 s of 30 FPS footage:
    # the change watch looks on the frame someone steps in (without it, 102 named one after 30 frames).
    lags = report["naming_frames"]
    assert sum(lag is not None for lag in lags) >= 0.9 * len(lags), report
    assert sum(lag is not None and lag <= 15 for lag in lags) >= 0.9 * len(lags), report
    assert report["exact_frames"] >= 0.9, report  # 0.944 and 0.941 (0.907 and 0.833 without the watch)


def _run_events(frames, model, folder):
    import cv2

    folder.mkdir()
    for index, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{index:05d}.png"), frame)
    events = folder.parent / f"{folder.name}.jsonl"
    run_loop(model, folder, events)
    import json

    return [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]


@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")
def test_a_visit_seen_only_through_poor_frames_stays_unknown_and_says_why(orl_model, tmp_path):
    import numpy as np

    from tests.face_scenes import background, paste
    from tests.orl_scenes import orl_image

    rng = np.random.default_rng(5)
    wall = background("flat", rng, "heldout")
    seen_well, blown_out = [], []
    for index in range(24):
        frame = wall.copy()
        paste(frame, orl_image(7, 9 + index % 2), 170, rng, at=(230, 120))
        seen_well.append(frame)
        # Backlight: the face found, but more than half of it white, more clipped than calibration ever showed.
        blown_out.append((255 * np.clip(frame / 255 * 2.1, 0, 1) ** 0.8).astype(np.uint8))
    well = _run_events(seen_well, orl_model, tmp_path / "well")
    poor = _run_events(blown_out, orl_model, tmp_path / "poor")
    assert sum(f["name"] == "s7" for e in well[8:] for f in e["faces"]) >= 14  # named when seen well
    faces = [f for e in poor for f in e["faces"]]
    assert len(faces) >= 20  # the face is found in nearly every frame...
    assert all(f["name"] == "unknown" for f in faces)  # ...but never given a name it cannot be sure of
    assert sum(f.get("reason") == "poor quality" for f in faces) >= 0.8 * len(faces)
    assert all(f["quality"] < 0.5 for f in faces if f.get("reason"))


@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")
def test_strangers_are_not_named_in_the_loop_through_camera_effects_it_never_saw(orl_model, tmp_path):
    # Held-out report seed 101 through a walking person's blur and an MJPEG webcam at quality 30
    # (tests.heldout_camera, which calibration never calls).
    sequence = make_sequence(list(range(1, 41)), 101, split="heldout", segments=6, condition="motion-blur+jpeg-30")
    report = run_sequence(orl_model, sequence, tmp_path)
    assert report["stranger_frames"] >= 30, report  # the sequence really has strangers in view
    assert report["stranger_named_frames"] <= 0.05 * report["stranger_frames"], report
    assert max(report["lingering_frames"]) <= 2 * DETECT_EVERY, report
