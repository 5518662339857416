"""Stills on scenes the face settings were never tuned on: the held-out split of the benchmark."""

from __future__ import annotations

import pytest

from tests.face_scenes import score
from tests.orl_scenes import ORL

pytest.importorskip("skimage")
pytest.importorskip("sklearn")


@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")
def test_held_out_scenes_find_faces_without_phantoms_and_reject_strangers(orl_model):
    from edgecam.edge.faces.recognizer import FaceRecognizer

    report = score(FaceRecognizer(orl_model), split="heldout", seed=0)
    for kind in ("kind=flat", "kind=blotchy", "kind=photo"):
        row = report[kind]
        assert row["faces_missed"] <= 0.02, (kind, row)
        assert row["phantom_on_face_frames"] <= 0.05, (kind, row)
        assert row["phantom_on_face_free"] <= 0.05, (kind, row)
        assert row["strangers_unknown"] >= 0.9, (kind, row)
        assert row["known_named_right"] >= 0.95, (kind, row)
