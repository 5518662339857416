"""The device runtime works on a machine where torch cannot be imported."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

BLOCK_TORCH = """
import sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'torchvision'):
            raise ImportError('torch is not installed on this device')
sys.meta_path.insert(0, NoTorch())
"""


def run_without_torch(code: str, blocker: str = BLOCK_TORCH) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter where the modules ``blocker`` names cannot be imported."""
    return subprocess.run(
        [sys.executable, "-c", blocker + code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_every_edge_module_imports_without_torch():
    code = """
import importlib, pkgutil, edgecam.edge
for info in pkgutil.walk_packages(edgecam.edge.__path__, 'edgecam.edge.'):
    importlib.import_module(info.name)
assert 'torch' not in sys.modules
print('ok')
"""
    result = run_without_torch(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_cli_help_works_and_training_says_how_to_install_torch():
    code = (
        "import sys; sys.argv = ['edgecam', 'train', 'digits', '--limit', '10']\nfrom edgecam.cli import main\nmain()"
    )
    result = run_without_torch(code)
    assert result.returncode == 69
    assert "pip install '.[train]'" in result.stderr and "Traceback" not in result.stderr


def test_exported_model_reads_digits_without_torch(fp32_export, mnist_data_dir):
    path, _ = fp32_export
    code = f"""
from pathlib import Path
from edgecam.edge.digits.model import DigitModel
import numpy as np
raw = Path({str(mnist_data_dir)!r}) / 'MNIST' / 'raw'
images = np.frombuffer((raw / 't10k-images-idx3-ubyte').read_bytes(), np.uint8, offset=16).reshape(-1, 28, 28)
labels = np.frombuffer((raw / 't10k-labels-idx1-ubyte').read_bytes(), np.uint8, offset=8)
digits, probabilities = DigitModel({str(path)!r}).classify(images[:1000])
assert 'torch' not in sys.modules
print((digits == labels[:1000]).mean())
"""
    result = run_without_torch(code)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) > 0.95


def test_mqtt_without_paho_says_how_to_install_it(tmp_path):
    import cv2
    import numpy as np

    video = tmp_path / "grey.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"mp4v"), 10, (160, 120))
    for _ in range(5):
        writer.write(np.full((120, 160, 3), 128, np.uint8))
    writer.release()
    block_paho = BLOCK_TORCH.replace("('torch', 'torchvision')", "('torch', 'torchvision', 'paho')")
    code = (
        f"import sys; sys.argv = ['edgecam', 'run', '--source', {str(video)!r}, '--headless', "
        "'--mqtt', 'mqtt://127.0.0.1:1/fleet']\nfrom edgecam.cli import main\nmain()"
    )
    result = run_without_torch(code, block_paho)
    assert result.returncode == 69, result.stderr
    assert "pip install '.[mqtt]'" in result.stderr and "Traceback" not in result.stderr


def _imported_modules(path, package: str) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_no_edge_module_imports_training_or_export_code():
    """The device runtime is edge/: it may not reach into train/ or export/, even lazily."""
    offenders = {}
    for path in sorted((ROOT / "edge").rglob("*.py")):
        package = "edgecam." + ".".join(path.relative_to(ROOT).parent.parts)
        reached = {
            name
            for name in _imported_modules(path, package)
            if name.split(".")[:2] in (["edgecam", "train"], ["edgecam", "export"])
            or name.split(".")[0] in ("torch", "torchvision", "onnx", "onnxscript")
        }
        if reached:
            offenders[str(path.relative_to(ROOT))] = sorted(reached)
    assert (ROOT / "edge" / "loop.py").is_file(), "the walk found no edge/ folder to check"
    assert offenders == {}, f"edge/ modules reaching training, export or torch: {offenders}"
