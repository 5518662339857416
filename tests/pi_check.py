"""An emulated Raspberry Pi: the runtime installed as docs/raspberry-pi.md tells a Pi user, answers compared with x86.

    sudo python -m tests.pi_check [--rows ROW,...] [--keep]

Each row is a Debian arm64 root built with mmdebstrap and run through qemu-user
with the Pi's CPU model: Bookworm (Raspberry Pi OS Bookworm's userland, Python
3.11) as a Pi 4 (cortex-a72), Trixie (Python 3.13) as a Pi 5 (cortex-a76), both
minimal like Raspberry Pi OS Lite (no X or GL libraries), and a Bookworm desktop
row with X, GL and Tk for the window, plus Debian's NumPy and a module compiled
against it for the ``--system-site-packages`` route. In each: a fresh venv, ``pip
install`` of the checkout (no torch), then ``edgecam read``, ``edgecam recognize``
and ``edgecam run`` (the demo clip with faces, digits, events and a recording),
whose answers must equal the x86 run's. Roots are cached in the system temp dir.

Needs root, mmdebstrap, arch-test and qemu-user-static (``.ci/run`` installs them),
and the ``train`` extra on the host to make the inputs. Emulated speed means
nothing: no timings are compared.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.pi_compare import compare

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "edgecam-pi-roots"
MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ["python3", "python3-venv", "python3-pip", "ca-certificates"]
# What the row really is and what pip gave it, for the log.
VERSIONS = (
    "import platform, numpy, cv2, onnxruntime; print(platform.machine(), 'Python', platform.python_version(), "
    "'numpy', numpy.__version__, 'opencv', cv2.__version__, 'onnxruntime', onnxruntime.__version__)"
)
DESKTOP_PACKAGES = [
    "libgl1",
    "libglib2.0-0",
    "libxcb1",
    "python3-tk",
    "xvfb",
    "xauth",
    "python3-numpy",
    "python3-bottleneck",
]


@dataclass(frozen=True)
class Row:
    name: str
    suite: str
    cpu: str  # QEMU_CPU
    cpu_part: str  # what /proc/cpuinfo says, for libraries that read it (onnxruntime does)
    desktop: bool = False

    @property
    def packages(self) -> list[str]:
        return BASE_PACKAGES + (DESKTOP_PACKAGES if self.desktop else [])


ROWS = {
    row.name: row
    for row in (
        Row("bookworm-pi4", "bookworm", "cortex-a72", "0xd08"),
        Row("trixie-pi5", "trixie", "cortex-a76", "0xd0b"),
        Row("bookworm-pi4-desktop", "bookworm", "cortex-a72", "0xd08", desktop=True),
    )
}


def log(message: str) -> None:
    print(f"[pi-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_binfmt() -> None:
    """qemu-aarch64 registered with binfmt_misc, so arm64 binaries run transparently."""
    binfmt = Path("/proc/sys/fs/binfmt_misc")
    if not (binfmt / "register").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(binfmt)], check=True)
    if not (binfmt / "qemu-aarch64").exists():
        subprocess.run(["update-binfmts", "--enable", "qemu-aarch64"], check=True)


def ensure_root(row: Row) -> Path:
    """The row's root filesystem, built once and reused (a marker says it is complete)."""
    target = CACHE / f"{row.suite}-{'desktop' if row.desktop else 'minimal'}"
    marker = target / ".edgecam-root-complete"
    wanted = " ".join(row.packages)
    if marker.is_file() and marker.read_text() == wanted:
        log(f"{row.name}: reusing {target}")
        return target
    shutil.rmtree(target, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"{row.name}: building {row.suite} arm64 root in {target}")
    subprocess.run(
        [
            "mmdebstrap",
            "--arch=arm64",
            "--variant=minbase",
            f"--include={','.join(row.packages)}",
            row.suite,
            str(target),
            MIRROR,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    marker.write_text(wanted)
    return target


def cpuinfo(row: Row) -> str:
    core = (
        "processor\t: {n}\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
        "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: {part}\n"
        "CPU revision\t: 3\n\n"
    )
    return "".join(core.format(n=n, part=row.cpu_part) for n in range(4)) + "Model\t\t: Raspberry Pi (emulated)\n"


def in_root(root: Path, row: Row, script: str, work: Path) -> subprocess.CompletedProcess:
    """Run a shell script in the root, in a private mount namespace (proc, dev, the work folder,
    a Pi-like /proc/cpuinfo: onnxruntime 1.32 crashes at import on qemu's own), as QEMU_CPU."""
    fake = work / f"cpuinfo-{row.name}"
    fake.write_text(cpuinfo(row))
    (root / "work").mkdir(exist_ok=True)
    shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
    # The host's CA bundle: pip then trusts what the host's pip trusts.
    shutil.copy("/etc/ssl/certs/ca-certificates.crt", root / "etc" / "edgecam-host-ca.crt")
    mounts = (
        f"mount -t proc proc {root}/proc && mount --bind /dev {root}/dev && "
        f"mount --bind {fake} {root}/proc/cpuinfo && mount --bind {work} {root}/work"
    )
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "QEMU_CPU": row.cpu,
        "PIP_CERT": "/etc/edgecam-host-ca.crt",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_DEFAULT_TIMEOUT": "180",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        f"{mounts} && exec chroot {root} /bin/sh -c {shlex.quote('set -e; ' + script)}",
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


# ---------------------------------------------------------------- inputs and the x86 answers


def make_inputs(work: Path) -> dict:
    """Models, cards, stills and the clip, made on the host with the project's own code."""
    import cv2
    import numpy as np
    import torch

    from edgecam.edge.scenes.cards import make_card
    from edgecam.edge.scenes.clip import make_clip
    from edgecam.edge.scenes.mnist import default_data_dir, ensure_mnist, load_mnist, raw_dir_of
    from edgecam.train.digits.training import Recipe, Trainer
    from tests.orl_scenes import ORL, orl_image, place_in_frame, write_orl_dataset

    if not ORL.is_dir():
        raise SystemExit(f"ORL faces not found at {ORL}: the check compares face answers too.")
    inputs = work / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    data_dir = default_data_dir()
    ensure_mnist(data_dir)
    mnist = load_mnist(raw_dir_of(data_dir))
    checkpoint = inputs / "digits.pt"
    Trainer(Recipe.for_arch("edge", epochs=1, limit=5000), mnist, torch.device("cpu")).run(checkpoint=checkpoint)
    _edgecam("export", "onnx", str(checkpoint), "--out", str(inputs / "digits.onnx"), "--data-dir", str(data_dir))
    dataset = write_orl_dataset(inputs / "faces-dataset", (1, 2, 3, 4, 5, 31, 32, 33), range(1, 9))
    _edgecam("train", "faces", str(dataset), "--out", str(inputs / "faces"), "--haar")
    rng = np.random.default_rng(11)
    (inputs / "cards").mkdir(exist_ok=True)
    for index in range(50):
        card = make_card(mnist.test_images, mnist.test_labels, rng, size=(320, 160))
        cv2.imwrite(str(inputs / "cards" / f"card{index:02d}.png"), card.image)
    (inputs / "stills").mkdir(exist_ok=True)
    for person in (1, 2, 3, 4, 5, 31, 36, 39):
        frame, _ = place_in_frame(orl_image(person, 9), rng)
        cv2.imwrite(str(inputs / "stills" / f"s{person}.png"), frame)
    walkers = {f"s{p}": [orl_image(p, i) for i in range(1, 11)] for p in (31, 32, 33)}
    clip = make_clip(
        inputs / "clip.mp4",
        mnist.test_images,
        mnist.test_labels,
        seed=3,
        frames=120,
        frames_per_card=24,
        people=walkers,
    )
    return {"roi": ",".join(map(str, clip.roi))}


def _edgecam(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "edgecam", *args], check=True, cwd=ROOT, capture_output=True, text=True)


def commands(edgecam: str, out: str, roi: str, inputs: str = "/work/inputs") -> str:
    """The three runs, as a shell script; the same on x86 and in each root."""
    return "\n".join(
        [
            f"mkdir -p {out}",
            f"{edgecam} read {inputs}/cards/*.png --digits {inputs}/digits.onnx --json > {out}/read.jsonl",
            f"{edgecam} recognize {inputs}/stills/*.png --faces {inputs}/faces --json > {out}/recognize.jsonl",
            f"{edgecam} run --source {inputs}/clip.mp4 --faces {inputs}/faces --digits {inputs}/digits.onnx "
            f"--roi {roi} --headless --events {out}/events.jsonl --record {out}/run.mp4 --max-frames 120 --threads 1",
        ]
    )


# ---------------------------------------------------------------- one row


def run_row(row: Row, work: Path, roi: str) -> list[str]:
    root = ensure_root(row)
    venv = "/opt/edgecam/venv"
    out = f"/work/out/{row.name}"
    # docs/raspberry-pi.md's install: a venv, the checkout installed with pip, nothing else.
    script = [
        f"rm -rf {venv} /tmp/src && cp -r /work/src /tmp/src",
        f"python3 -m venv {'--system-site-packages ' if row.desktop else ''}{venv}",
        f"{venv}/bin/pip install --quiet /tmp/src",
        f"! {venv}/bin/python -c 'import torch' 2>/dev/null",
        f"mkdir -p {out} && {venv}/bin/python -c {shlex.quote(VERSIONS)} > {out}/versions.txt",
        commands(f"{venv}/bin/edgecam", out, roi),
    ]
    if row.desktop:
        script += [
            # The window: OpenCV here is the headless wheel, so the Tk window must open and run.
            f"xvfb-run -a {venv}/bin/edgecam run --source /work/inputs/clip.mp4 --display --max-frames 20 "
            f"--digits /work/inputs/digits.onnx --roi {roi} > {out}/display.log 2>&1",
            # Debian's NumPy and a module compiled against it, beside the venv's NumPy 2: the trap...
            f"if {venv}/bin/python -c 'import bottleneck' > {out}/numpy2-bottleneck.log 2>&1; "
            f"then echo imported > {out}/numpy2-bottleneck.result; "
            f"else echo failed > {out}/numpy2-bottleneck.result; fi",
            # ...and the documented way out: the same install with numpy<2.
            "rm -rf /opt/edgecam/venv1 && python3 -m venv --system-site-packages /opt/edgecam/venv1",
            "/opt/edgecam/venv1/bin/pip install --quiet /tmp/src 'numpy<2'",
            "/opt/edgecam/venv1/bin/python -c "
            "'import bottleneck, numpy, cv2; print(numpy.__version__, cv2.__version__)'"
            f" > {out}/numpy1.result",
            commands("/opt/edgecam/venv1/bin/edgecam", f"{out}/numpy1", roi),
        ]
    started = time.monotonic()
    log(f"{row.name}: installing and running under qemu ({row.cpu})")
    result = in_root(root, row, "\n".join(script), work)
    log(f"{row.name}: finished in {time.monotonic() - started:.0f} s (exit {result.returncode})")
    if result.returncode != 0:
        return [f"{row.name}: the run in the root failed (exit {result.returncode}): {result.stderr.strip()[-1500:]}"]
    log(f"{row.name}: {(work / 'out' / row.name / 'versions.txt').read_text().strip()}")
    problems = [f"{row.name}: {p}" for p in compare(work / "out" / "x86", work / "out" / row.name, log)]
    if row.desktop:
        folder = work / "out" / row.name
        problems += [f"{row.name} (numpy<2 route): {p}" for p in compare(work / "out" / "x86", folder / "numpy1", log)]
        log(
            f"{row.name}: Debian's bottleneck beside NumPy 2: "
            f"{(folder / 'numpy2-bottleneck.result').read_text().strip()}; with numpy<2: "
            f"{(folder / 'numpy1.result').read_text().strip()}"
        )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, of: {', '.join(ROWS)}")
    parser.add_argument("--work", type=Path, default=None, help="keep inputs and outputs here")
    args = parser.parse_args()
    if os.geteuid() != 0:
        log("needs root (mmdebstrap, chroot, binfmt_misc)")
        return 2
    rows = [ROWS[name] for name in args.rows.split(",")]
    started = time.monotonic()
    work = args.work or Path(tempfile.mkdtemp(prefix="edgecam-pi-check-"))
    ensure_binfmt()
    # The roots build while the host makes its inputs; both take minutes.
    with ThreadPoolExecutor(max_workers=2) as pool:
        builds = [pool.submit(ensure_root, row) for row in rows]
        log("making inputs and the x86 answers")
        roi = make_inputs(work)["roi"]
        subprocess.run(
            [
                "sh",
                "-c",
                commands(f"{sys.executable} -m edgecam", str(work / "out" / "x86"), roi, str(work / "inputs")),
            ],
            check=True,
            cwd=ROOT,
        )
        shutil.copytree(
            ROOT,
            work / "src",
            ignore=shutil.ignore_patterns(".git", "models", "runs", "*.egg-info", "__pycache__", "build"),
        )
        for build in builds:
            build.result()
        results = list(pool.map(lambda row: run_row(row, work, roi), rows))
    problems = [p for found in results for p in found]
    for problem in problems:
        log(f"FAIL {problem}")
    log(
        f"{len(rows)} rows, {'all answers equal to x86' if not problems else f'{len(problems)} problems'}; "
        f"{time.monotonic() - started:.0f} s in all"
    )
    if problems or args.work:
        log(f"inputs and outputs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)  # 26 MB of copies per run otherwise piles up in /tmp
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
