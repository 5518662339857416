"""From per-frame events to changes: debounced arrivals, renames, departures and readings."""

from __future__ import annotations

from edgecam.edge.scene_changes import SceneChanges


def _frame(*faces, digits=None, time=0.0):
    event = {
        "time": time,
        "faces": [{"track": t, "name": n, "confidence": 0.9, "box": [0, 0, 10, 10]} for t, n in faces],
    }
    if digits is not None:
        event["digits"] = {"text": digits, "confidence": 0.8}
    return event


def _run(changes: SceneChanges, frames) -> list[dict]:
    out = []
    for frame in frames:
        out += changes.update(frame)
    return out


def test_a_visit_is_one_arrival_and_one_departure():
    frames = [_frame()] * 3 + [_frame((1, "ada"), time=t) for t in range(10, 30)] + [_frame(time=40)] * 20
    events = _run(SceneChanges(hold=3, leave=15), frames)
    assert [(e["event"], e["name"]) for e in events] == [("face_appeared", "ada"), ("face_left", "ada")]
    assert events[0]["time"] == 12  # announced on its third frame in view
    assert events[1]["seconds"] == 28


def test_a_one_frame_flash_or_flicker_is_never_announced():
    frames = [_frame((1, "ada")), _frame()] + [_frame((2, "bob"))] * 5
    frames += [_frame((2, "ada"))] + [_frame((2, "bob"))] * 5  # one wrong vote
    events = _run(SceneChanges(hold=3), frames)
    assert [(e["event"], e["name"]) for e in events] == [("face_appeared", "bob")]


def test_a_settled_new_name_is_a_rename_that_keeps_the_visit():
    frames = [_frame((4, "unknown"))] * 4 + [_frame((4, "ada"))] * 4
    events = _run(SceneChanges(hold=3), frames)
    assert [(e["event"], e["name"], e.get("previous")) for e in events] == [
        ("face_appeared", "unknown", None),
        ("face_renamed", "ada", "unknown"),
    ]
    assert events[1]["track"] == 4


def test_a_track_lost_and_picked_up_again_is_the_same_visit():
    frames = [_frame((1, "ada"))] * 5 + [_frame()] * 4 + [_frame((2, "ada"))] * 5 + [_frame()] * 16
    events = _run(SceneChanges(hold=3, leave=15), frames)
    assert [(e["event"], e["track"]) for e in events] == [("face_appeared", 1), ("face_left", 1)]


def test_two_people_are_two_visits():
    frames = [_frame((1, "ada"), (2, "bob"))] * 4 + [_frame((2, "bob"))] * 16
    events = _run(SceneChanges(hold=3, leave=15), frames)
    assert sorted((e["event"], e["name"]) for e in events) == [
        ("face_appeared", "ada"),
        ("face_appeared", "bob"),
        ("face_left", "ada"),
    ]


def test_digits_change_once_per_new_reading_and_when_the_card_goes():
    texts = ["", "", "42", "42", "4", "42", "42", "42", "42", "17", "17", "17", "", "", ""]
    events = _run(SceneChanges(hold=3), [_frame(digits=t) for t in texts])
    assert [(e["text"], e["previous"]) for e in events] == [("42", ""), ("17", "42"), ("", "17")]


def test_no_digit_model_means_no_digit_events():
    assert _run(SceneChanges(), [_frame()] * 10) == []


def test_an_arrival_seen_too_poorly_to_name_says_so_and_how_well_it_was_seen():
    poor = {"track": 2, "name": "unknown", "confidence": 0.5, "box": [0, 0, 10, 10], "quality": 0.0}
    poor["reason"] = "poor quality"
    frames = [{"time": t, "faces": [poor]} for t in range(5)]
    [arrival] = _run(SceneChanges(hold=3, leave=15), frames)
    assert arrival["event"] == "face_appeared" and arrival["name"] == "unknown"
    assert arrival["reason"] == "poor quality" and arrival["quality"] == 0.0
    named = _run(SceneChanges(hold=3, leave=15), [_frame((1, "ada"), time=t) for t in range(5)])
    assert "reason" not in named[0] and "quality" not in named[0]  # nothing measured, nothing claimed
