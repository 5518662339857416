"""A damaged or hand-edited faces.json is refused at load with one sentence, never at the first face."""

from __future__ import annotations

import copy
import json
import shutil

import cv2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgecam.edge.errors import DataError
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def good_meta(faces_model) -> dict:
    return json.loads((faces_model / "faces.json").read_text())


def _with(model_dir, folder, meta) -> object:
    shutil.copy(model_dir / "faces.yml", folder / "faces.yml")
    (folder / "faces.json").write_text(meta if isinstance(meta, str) else json.dumps(meta))
    return folder


def _breakages(meta: dict):
    def edited(change):
        copied = copy.deepcopy(meta)
        change(copied)
        return copied

    yield "names as a list", edited(lambda m: m.update(names=list(m["names"].values())))
    yield "a label that is no number", edited(lambda m: m["names"].update(x="someone"))
    yield "a name that is a number", edited(lambda m: m["names"].update({"0": 7}))
    yield "no names", edited(lambda m: m.update(names={}))
    yield "no threshold", edited(lambda m: m.pop("threshold"))
    yield "a threshold that is text", edited(lambda m: m.update(threshold="tight"))
    yield "a distance that is text", edited(lambda m: m["threshold"].update(distance="far"))
    yield "no detector", edited(lambda m: m.update(detector=None))
    yield "detect_width 0", edited(lambda m: m["detector"].update(detect_width=0))
    yield "detect_width negative", edited(lambda m: m["detector"].update(detect_width=-320))
    yield "an unknown detector", edited(lambda m: m["detector"].update(detector="sonar"))
    yield "a crop 0 px wide", edited(lambda m: m["crop"].update(width=0))
    yield "an unknown crop setting", edited(lambda m: m["crop"].update(sharpen=True))
    yield "a still rule with no value", edited(lambda m: m["threshold"]["relative"]["still"].pop("value"))
    yield "the file as a list", "[]"
    yield "nested too deep", "[" * 100_000


def test_every_damaged_faces_json_is_one_sentence_at_load(faces_model, good_meta, tmp_path):
    from edgecam.edge.faces.recognizer import FaceRecognizer

    for number, (what, meta) in enumerate(_breakages(good_meta)):
        folder = tmp_path / f"m{number}"
        folder.mkdir()
        with pytest.raises(DataError) as refused:
            FaceRecognizer(_with(faces_model, folder, meta))
        assert "\n" not in str(refused.value), what
    # And through the commands a user runs: one sentence, exit 65, no traceback.
    folder = tmp_path / "cli"
    folder.mkdir()
    broken = copy.deepcopy(good_meta)
    broken["detector"]["detect_width"] = 0
    _with(faces_model, folder, broken)
    image = tmp_path / "face.png"
    shutil.copy(next((faces_model.parent / "ds").rglob("*.png")), image)
    for args in (
        ["recognize", str(image), "--faces", str(folder)],
        ["run", "--source", str(image), "--faces", str(folder), "--headless"],
    ):
        result = run_cli(*args)
        assert result.returncode == 65 and "detect_width" in result.stderr and "Traceback" not in result.stderr


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    path=st.lists(
        st.sampled_from(
            [
                "names",
                "threshold",
                "relative",
                "still",
                "detector",
                "crop",
                "value",
                "distance",
                "0",
                "width",
                "detect_width",
                "spread",
            ]
        ),
        min_size=1,
        max_size=3,
    ),
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(),
        st.text(max_size=8),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    ),
)
def test_any_edit_of_faces_json_loads_or_is_one_sentence(faces_model, good_meta, tmp_path, path, value):
    from edgecam.edge.faces.model_file import read_metadata

    meta = copy.deepcopy(good_meta)
    node = meta
    for key in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            break
        node = node[key]
    else:
        if isinstance(node, dict):
            node[path[-1]] = value
    folder = tmp_path / "fuzzed"
    folder.mkdir(exist_ok=True)
    _with(faces_model, folder, json.dumps(meta, allow_nan=True))
    try:
        read_metadata(folder)
    except DataError as refused:
        assert "\n" not in str(refused)
        return
    # What loads must work: a model is refused at load or it names faces, never fails at the first one.
    from edgecam.edge.errors import EdgecamError
    from edgecam.edge.faces.recognizer import FaceRecognizer

    image = cv2.imread(str(next((faces_model.parent / "ds").rglob("*.png"))))
    try:
        recognizer = FaceRecognizer(folder)
    except EdgecamError as refused:  # a rule edgecam cannot apply, said in one sentence
        assert "\n" not in str(refused)
        return
    assert all(isinstance(face.name, str) for face in recognizer(image))
