"""The built wheel, installed into a fresh venv as a device would: one package, a working CLI, no torch."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def device_venv(tmp_path_factory):
    """A venv with no site packages of ours, the wheel and its runtime dependencies only."""
    work = tmp_path_factory.mktemp("wheel")
    # Built as pip builds it on a device: in an isolated environment with the backend pyproject.toml names.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    [wheel] = (work / "dist").glob("edgecam-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    return python


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


@pytest.mark.slow
def test_the_wheel_installs_only_the_edgecam_package(device_venv):
    site = _site_packages(device_venv)
    [record] = site.glob("edgecam-*.dist-info/RECORD")
    tops = {line.split(",")[0].split("/")[0] for line in record.read_text().splitlines() if line}
    # The package, its metadata and the console script (installed into bin/, outside site-packages).
    assert tops == {"edgecam", record.parent.name, ".."}, tops
    assert (site / "edgecam" / "edge" / "outputs" / "stream_page.html").is_file()
    for name in ("edge", "train", "export", "calibration"):
        assert not (site / name).exists(), f"{name} landed at the top of site-packages"
    # Every subpackage of the checkout made it into the wheel.
    for folder in ("edge", "train", "export", "calibration"):
        for init in (ROOT / folder).rglob("__init__.py"):
            assert (site / "edgecam" / init.relative_to(ROOT)).is_file(), init


@pytest.mark.slow
def test_the_installed_cli_works_without_torch(device_venv):
    assert subprocess.run([str(device_venv), "-c", "import torch"], capture_output=True, check=False).returncode != 0
    edgecam = device_venv.parent / "edgecam"
    version = subprocess.run(
        [str(device_venv), "-c", "import edgecam; print(edgecam.__version__)"],
        capture_output=True,
        text=True,
        cwd=device_venv.parent,
        check=False,
    )
    assert version.returncode == 0, version.stderr
    shown = subprocess.run([str(edgecam), "--version"], capture_output=True, text=True, check=False)
    assert shown.returncode == 0 and shown.stdout.strip() == f"edgecam {version.stdout.strip()}", shown
    for args, expected in ((["--help"], "run"), (["run", "--help"], "--source"), (["config", "show"], "[faces]")):
        result = subprocess.run(
            [str(edgecam), *args], capture_output=True, text=True, cwd=device_venv.parent, check=False
        )
        assert result.returncode == 0, (args, result.stderr)
        assert expected in result.stdout and "Traceback" not in result.stderr, args
    training = subprocess.run(
        [str(edgecam), "train", "digits", "--limit", "10"],
        capture_output=True,
        text=True,
        cwd=device_venv.parent,
        check=False,
    )
    assert training.returncode == 69 and "pip install '.[train]'" in training.stderr
