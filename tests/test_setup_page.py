"""The live page's setup in a real Chromium: the ROI drawn and dragged over the video, unknown
faces named, a person enrolled live and deleted, all while the loop runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time

import numpy as np
import pytest

from tests.clip_reading import cards_shown
from tests.conftest import ROOT, run_cli
from tests.orl_scenes import ORL, orl_image, write_orl_dataset
from tests.processes import free_port, wait_for
from tests.setup_page import (
    AUTH,
    BROWSER,
    TOKEN,
    call,
    drag,
    events_after,
    model_version,
    on_page,
    page_of,
    serve,
    setup_state,
    tilted,
    written_events,
)

pytest.importorskip("playwright")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="needs Debian's chromium (installed by .ci/run)")
CLIP_FRAMES = 120
SHOTS = os.environ.get("EDGECAM_DOCS_SHOTS")  # set: the page's screenshot goes to docs/images/


@pytest.fixture(scope="module")
def five_people(tmp_path_factory):
    """A library of ORL s1-s5 (images 1-8) and the model trained from it."""
    if not ORL.is_dir():
        pytest.skip("ORL faces not present")
    root = tmp_path_factory.mktemp("five")
    library = write_orl_dataset(root / "library", range(1, 6), range(1, 9))
    assert run_cli("train", "faces", str(library), "--out", str(root / "model")).returncode == 0
    return root


def _walkers(tmp_path, visits: list[tuple[str, range | None]]):
    """A looped clip of visits one after another, each a person crossing the frame in ORL photos
    (name "sN", photos ``range``), or no one (photos None); and no card."""
    from edgecam.edge.scenes.clip import make_clip

    blank = np.zeros((10, 28, 28), np.uint8)
    walkers = {
        f"{order:02d} {name}": [orl_image(int(name[1:]), i) for i in photos] if photos else []
        for order, (name, photos) in enumerate(visits)
    }
    frames = CLIP_FRAMES * len(visits) // 2
    return make_clip(tmp_path / "people.mp4", blank, np.arange(10), seed=1, frames=frames, people=walkers)


def _who(clip, frame: int) -> str:
    """Who the looped clip shows at ``frame`` ("" for no one)."""
    face = clip.faces[frame % clip.frames]
    return face[0].split(" ", 1)[1] if face else ""


def _own_copy(five_people, tmp_path):
    shutil.copytree(five_people / "library", tmp_path / "library")
    shutil.copytree(five_people / "model", tmp_path / "model")
    return tmp_path / "library", tmp_path / "model"


def _visits_named(events, clip, truth: str, name: str) -> list[float]:
    """Per whole visit of ``truth`` (one per pass of the looped clip): the share of its frames where
    they are called ``name``."""
    visits: dict[int, list[bool]] = {}
    for e in events:
        if _who(clip, e["frame"]) == truth and len(e["faces"]) == 1:
            visits.setdefault(e["frame"] // clip.frames, []).append(e["faces"][0]["name"] == name)
    return [float(np.mean(v)) for v in visits.values() if len(v) >= 50]


def _misnamed(events, clip, truth: str, name: str) -> float:
    """The share of frames showing ``truth`` where a face is given a name other than ``name``."""
    frames = [e for e in events if _who(clip, e["frame"]) == truth]
    wrong = [e for e in frames if any(f["name"] not in (name, "unknown") for f in e["faces"])]
    return len(wrong) / max(len(frames), 1)


def _named(events, clip, truth: str, name: str) -> float:
    """The share of frames showing ``truth`` (by the clip's own record) where one face is called ``name``."""
    frames = [e for e in events if _who(clip, e["frame"]) == truth]
    return sum(len(e["faces"]) == 1 and e["faces"][0]["name"] == name for e in frames) / max(len(frames), 1)


def test_an_unknown_face_is_named_from_the_page_then_a_person_deleted(five_people, tmp_path):
    library, model = _own_copy(five_people, tmp_path)
    clip = _walkers(tmp_path, [("s1", range(1, 11)), ("s36", range(1, 11))])  # s1 is known; s36 a stranger
    events, port = tmp_path / "events.jsonl", free_port()
    loop = serve(port, "--source", str(clip.path), "--faces", str(model), "--library", str(library),
                 "--snapshots", str(tmp_path / "snaps"), "--events", str(events))  # fmt: skip
    try:
        assert wait_for(lambda: len(setup_state(port)["unknown"]) >= 3, 60), "no unknown face was kept"
        with page_of(port) as page:
            page.wait_for_selector(".stranger input")
            for tick in page.locator("#unknown input").all()[:4]:
                tick.check()
            page.fill("#unknown-name", "Ada")
            page.click("#name-unknown button")
            assert wait_for(lambda: model_version(port) == 1, 180), setup_state(port)["model"]
            assert "Ada" in [p["name"] for p in setup_state(port)["people"]]
            assert len(list((library / "Ada").iterdir())) == 4
            assert oct((library / "Ada" / "0001.jpg").stat().st_mode & 0o777) == "0o600"
            assert wait_for(lambda: len(events_after(events, "person_added")) > 3 * clip.frames, 60)
            after = events_after(events, "person_added")
            # The stranger is named on each of their next visits in the same run (the photos of them
            # that were named; the clip shows others too), never as anyone else; s1 is still s1.
            visits = _visits_named(after, clip, "s36", "Ada")
            assert len(visits) >= 2 and min(visits) >= 0.15, visits
            assert _misnamed(after, clip, "s36", "Ada") == 0.0
            assert _named(after, clip, "s1", "s1") >= 0.8
            page.wait_for_selector('.person[data-name="Ada"]')
            if SHOTS:
                page.screenshot(path=str(ROOT / "docs" / "images" / "setup-page.png"), full_page=True)
            page.locator('.person[data-name="s1"] button', has_text="Delete").click()
            assert wait_for(lambda: model_version(port) == 2, 120), setup_state(port)["model"]
        assert not (library / "s1").exists() and "s1" not in [p["name"] for p in setup_state(port)["people"]]
        assert wait_for(lambda: len(events_after(events, "person_deleted")) > 3 * clip.frames, 60)
        after = events_after(events, "person_deleted")
        assert _named(after, clip, "s1", "unknown") >= 0.9
        assert min(_visits_named(after, clip, "s36", "Ada")) >= 0.15
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert loop.returncode == 0


def test_a_person_is_enrolled_live_from_the_running_camera(five_people, tmp_path):
    library, model = _own_copy(five_people, tmp_path)
    clip = _walkers(tmp_path, [("s37", range(1, 11))])  # a stranger, alone in front of the camera
    events, port = tmp_path / "events.jsonl", free_port()
    loop = serve(port, "--source", str(clip.path), "--faces", str(model), "--library", str(library),
                 "--events", str(events))  # fmt: skip
    try:
        with page_of(port) as page:
            page.fill("#enrol-name", "Bea")
            page.fill("#enrol-count", "8")
            page.click("#enrol button")
            assert wait_for(lambda: model_version(port) == 1, 120), setup_state(port)["model"]
            page.wait_for_selector('.person[data-name="Bea"]')
        assert len(list((library / "Bea").iterdir())) == 8
        assert wait_for(lambda: len(events_after(events, "person_enrolled")) > 3 * clip.frames, 60)
        assert _named(events_after(events, "person_enrolled"), clip, "s37", "Bea") >= 0.8
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert loop.returncode == 0


CONFIG = """# the camera at the door
[digits]
roi = [10, 10, 80, 40]  # wrong on purpose: the page puts it right
stable_frames = 3

[source]
loop = true  # a clip, again and again
"""


@pytest.mark.parametrize("card", ["straight", "tilted"])
def test_the_roi_is_drawn_on_the_page_and_read_at_once(clip, fp32_export, tmp_path, card):
    config = tmp_path / "edgecam.toml"
    config.write_text(CONFIG)
    source, corners = (clip.path, None) if card == "straight" else tilted(clip, tmp_path / "tilted.mp4")
    events, port = tmp_path / "events.jsonl", free_port()
    loop = serve(port, "--config", str(config), "--source", str(source), "--digits", str(fp32_export[0]),
                 "--events", str(events))  # fmt: skip
    try:
        with page_of(port) as page:
            page.wait_for_function("document.getElementById('video').naturalWidth > 0")
            if corners is None:
                x, y, w, h = clip.roi
                page.click("#draw-box")
                drag(
                    page,
                    [on_page(page, (x, y)), on_page(page, (x + w // 2, y + h // 2)), on_page(page, (x + w, y + h))],
                )
            else:
                # Clicked before the page's first look at the loop's state (held back here): the
                # four handles wait for it and start on the old box's corners, not a default box.
                held: list = []
                released = False
                page.route(_asks_for_setup, lambda route: route.continue_() if released else held.append(route))
                page.reload()
                page.click("#drag-corners")
                assert page.locator("circle.corner").count() == 0
                released = True
                for route in held:
                    route.continue_()
                page.wait_for_selector("circle.corner")
                page.wait_for_function("document.getElementById('video').naturalWidth > 0")
                x, y, w, h = 10, 10, 80, 40
                for handle, target in zip(
                    [(x, y), (x + w, y), (x + w, y + h), (x, y + h)], np.reshape(corners, (4, 2)), strict=True
                ):
                    drag(page, [on_page(page, handle), on_page(page, tuple(target))])
            page.click("#save-roi")
            page.wait_for_selector("#setup-message:has-text('Saved in')")
        state = setup_state(port)
        text = config.read_text()
        assert "# the camera at the door" in text and "stable_frames = 3" in text and "a clip, again" in text
        if corners is None:
            assert np.abs(np.subtract(state["roi"], clip.roi)).max() <= 3, state
        else:
            assert state["roi"] is None and np.abs(np.subtract(state["corners"], corners)).max() <= 3, state
        assert wait_for(lambda: len(events_after(events, "roi")) > 2 * clip.frames, 60)
        read, cards, wrong_run = cards_shown(events_after(events, "roi"), clip.texts)  # as in test_loop
        assert read >= cards - 1 and wrong_run <= 2, (read, cards, wrong_run)
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert loop.returncode == 0


def _asks_for_setup(url: str) -> bool:
    return "/api/setup" in url


def _truth_of_crops(port: int, events, clip) -> dict[str, str]:
    """Who each kept "unknown" crop shows, by the clip's own record of the frame it was cut from."""
    frames = {}
    for event in written_events(events):
        if "frame" in event:
            frames[event["time"]] = event["frame"]
    return {
        face["id"]: _who(clip, frames[face["time"]]) for face in setup_state(port)["unknown"] if face["time"] in frames
    }


def test_from_an_empty_library_to_three_people_named(tmp_path):
    """A new camera: no model, no one in the library. Faces are all "unknown" until three people are
    named from the page; then the first model is trained and each is named."""
    if not ORL.is_dir():
        pytest.skip("ORL faces not present")
    library, model = tmp_path / "faces", tmp_path / "models"
    # Two visits each, in different photos, with no one in view between visits: with no names yet,
    # only an empty frame tells two visits apart.
    people = ("s1", "s36", "s37")
    clip = _walkers(
        tmp_path, [(p, photos) for first in (1, 5) for p in people for photos in (range(first, first + 4), None)]
    )
    events, port = tmp_path / "events.jsonl", free_port()
    loop = serve(port, "--source", str(clip.path), "--faces", str(model), "--library", str(library),
                 "--snapshots", str(tmp_path / "snaps"), "--events", str(events))  # fmt: skip
    try:
        crops: dict[str, str] = {}

        def both_seen() -> bool:
            crops.update(_truth_of_crops(port, events, clip))
            return all(sum(who == name for who in crops.values()) >= 4 for name in people)

        assert wait_for(both_seen, 90), crops
        with page_of(port) as page:
            for version, (truth, name) in enumerate([("s1", "Ann"), ("s36", "Ben"), ("s37", "Cai")], 1):
                page.wait_for_selector(".stranger input")
                for crop in [i for i, who in crops.items() if who == truth][:4]:
                    page.check(f'#unknown input[value="{crop}"]')
                page.fill("#unknown-name", name)
                page.click("#name-unknown button")
                assert wait_for(lambda v=version: model_version(port) == v, 120), page.inner_text("#setup-message")
                page.wait_for_selector(f'.person[data-name="{name}"]')
                assert (model / "faces.yml").exists() == (version == 3)  # no model of fewer than three
        assert (model / "faces.yml").is_file() and oct((model / "faces.yml").stat().st_mode & 0o777) == "0o600"
        assert wait_for(lambda: len(events_after(events, "person_added")) > 3 * clip.frames, 60)
        after = events_after(events, "person_added")
        # Each is named on every pass (in the photos like the crops named; the clip shows 8 of
        # each, the crops came from 2), and never with another's name. The first visit may be under
        # way when the model goes live, its walker already followed as "unknown" until the track is
        # recognised again (CI saw 0.10 there, then 0.225 on each later pass): it is left out.
        for truth, name in (("s1", "Ann"), ("s36", "Ben"), ("s37", "Cai")):
            visits = _visits_named(after, clip, truth, name)[1:]
            assert len(visits) >= 2 and min(visits) >= 0.15, (truth, visits)
            assert _misnamed(after, clip, truth, name) <= 0.02
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert loop.returncode == 0


def test_a_page_from_another_site_cannot_change_the_setup(tmp_path):
    """What a hostile page in the user's own browser can do with the device's address and token."""
    from edgecam.edge.scenes.clip import make_clip

    clip = make_clip(tmp_path / "desk.mp4", np.zeros((10, 28, 28), np.uint8), np.arange(10), frames=30)
    config = tmp_path / "edgecam.toml"
    config.write_text(CONFIG)
    port = free_port()
    loop = serve(port, "--config", str(config), "--source", str(clip.path))
    url = f"http://127.0.0.1:{port}/api/roi"
    try:
        with page_of(port) as page:
            page.fill("#enrol-name", "unknown")
            page.click("#enrol button")  # the device's own page, a name it refuses
            page.wait_for_selector("#setup-message.bad")
            refused_name = page.inner_text("#setup-message")
            page.goto("data:text/html,<p>another site</p>")
            # With the token in a header the browser asks first (CORS preflight), and the device
            # grants no other site: the change is never sent.
            preflighted = page.evaluate(
                """([url, token]) => fetch(url, {method: "PUT", headers: {Authorization: "Bearer " + token,
                   "Content-Type": "application/json"}, body: JSON.stringify({roi: [20, 20, 200, 100]})})
                   .then((answer) => "sent: " + answer.status, () => "blocked")""",
                [url, TOKEN],
            )
        state = setup_state(port)
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert "choose another name" in refused_name
    assert preflighted == "blocked"
    assert state["roi"] == [10, 10, 80, 40] and config.read_text() == CONFIG


def test_a_change_that_fails_leaves_the_model_and_the_library_as_they_were(five_people, tmp_path):
    """An "unknown" crop that is no image (a damaged file in the snapshots, as a failing card can
    leave it) cannot teach the model anyone, and the model and the library stay as they were."""
    library, model = _own_copy(five_people, tmp_path)
    snapshots = tmp_path / "snaps"
    snapshots.mkdir()
    stem = "20260101-000000-000-face_appeared-1"
    for name in (f"{stem}.jpg", f"{stem}-face.jpg"):
        (snapshots / name).write_bytes(b"\xff\xd8 not a whole JPEG")
    entry = {"time": round(time.time() - 60, 3), "event": "face_appeared", "files": [f"{stem}.jpg", f"{stem}-face.jpg"]}
    (snapshots / "index.jsonl").write_text(json.dumps(entry | {"name": "unknown"}) + "\n")
    before = {path.name: path.read_bytes() for path in model.iterdir()}
    clip = _walkers(tmp_path, [("s1", range(1, 11))])
    port = free_port()
    loop = serve(port, "--source", str(clip.path), "--faces", str(model), "--library", str(library),
                 "--snapshots", str(snapshots))  # fmt: skip
    try:
        status, answer = call(port, "POST", "/api/people", {"name": "Eve", "from_unknown": [f"{stem}-face.jpg"]}, AUTH)
        assert status == 202, answer
        assert wait_for(lambda: "error" in setup_state(port)["model"], 60), setup_state(port)
        state = setup_state(port)
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.communicate(timeout=30)
    assert state["model"]["version"] == 0 and "No face could be found" in state["model"]["error"]
    assert "Eve" not in [p["name"] for p in state["people"]] and not (library / "Eve").exists()
    assert {path.name: path.read_bytes() for path in model.iterdir()} == before
