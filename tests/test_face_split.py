"""The face benchmark's camera effects are held out by construction: nothing calibration does.

Calibration (``edgecam.train.faces.camera``) and the benchmark (``tests.heldout_camera``)
each degrade faces with their own family of effects. A figure measured through the
benchmark's family is only a held-out figure while the two share no operation, so this
reads both modules and fails the moment one borrows from the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import tests.face_scenes as face_scenes
from tests import heldout_camera
from tests.orl_scenes import ORL

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "train" / "faces" / "camera.py"
BENCHMARK = Path(heldout_camera.__file__)
# Draws that pick an effect's strength, not the pixels' noise: both families may use them.
PARAMETER_DRAWS = {"uniform", "integers", "choice", "random"}
DECODING = {"imdecode"}  # reading back what an encoder wrote: the codec is the effect


def operations(path: Path) -> set[str]:
    """The image operations a module performs: each cv2 function (an encoder with its format) and
    each random distribution it draws pixels' noise from."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner, name = node.func.value, node.func.attr
        if isinstance(owner, ast.Name) and owner.id == "cv2" and name not in DECODING:
            codec = node.args[0] if node.args else None
            is_codec = isinstance(codec, ast.Constant) and isinstance(codec.value, str)
            found.add(f"cv2.{name}:{codec.value}" if is_codec else f"cv2.{name}")  # type: ignore[union-attr]
        elif isinstance(owner, ast.Name) and owner.id == "rng" and name not in PARAMETER_DRAWS:
            found.add(f"rng.{name}")
    return found


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_benchmark_family_shares_no_operation_with_calibration():
    calibration, benchmark = operations(CALIBRATION), operations(BENCHMARK)
    # Both families really degrade pictures (an empty set would make the check pass vacuously).
    assert {"cv2.GaussianBlur", "rng.normal", "cv2.imencode:.webp"} <= calibration
    assert {"cv2.filter2D", "cv2.imencode:.jpg", "rng.poisson", "rng.laplace"} <= benchmark
    assert calibration.isdisjoint(benchmark), calibration & benchmark


def test_neither_family_imports_the_other():
    assert not any(name.startswith(("edgecam.train", "tests")) for name in imports(BENCHMARK))
    assert not any(name.startswith("tests") for name in imports(CALIBRATION))


@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")  # the probes are ORL faces
def test_the_held_out_scenes_never_pass_through_the_tuning_camera(monkeypatch):
    def tuning_camera(frame, rng):
        raise AssertionError("the held-out split used the tuning camera")

    monkeypatch.setattr(face_scenes, "camera", tuning_camera)
    for condition in heldout_camera.CONDITIONS:
        probe = next(face_scenes.probes("heldout", 0, condition))
        assert probe.frame.shape == (480, 640) and probe.frame.dtype == np.uint8


@pytest.mark.parametrize("name", list(heldout_camera.CONDITIONS))
def test_every_held_out_condition_changes_the_picture_it_claims_to(name):
    rng = np.random.default_rng(3)
    frame = face_scenes.background("blotchy", rng, "heldout")
    face_scenes.paste(frame, np.tile(np.linspace(0, 255, 92, dtype=np.uint8), (112, 1)), 200, rng)
    out = heldout_camera.CONDITIONS[name](frame.copy(), np.random.default_rng(4))
    assert out.shape == frame.shape and out.dtype == np.uint8
    changed = np.abs(out.astype(int) - frame).mean()
    assert (changed == 0) == (name == "clean"), changed
