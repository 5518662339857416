"""Run a command on a fraction of one CPU core, as a slow machine would: a cgroup's CPU quota.

A quarter of a core of this build machine stands in for a Raspberry Pi's core when the loop's
speed against a camera's pace is what is measured. cgroup v2's ``cpu.max`` where the cpu
controller is there, else v1's ``cpu.cfs_quota_us``; it needs root (or a delegated cgroup).
"""

from __future__ import annotations

import contextlib
import os
import shlex
from collections.abc import Iterator
from pathlib import Path

from edgecam.edge.errors import Unavailable

PERIOD_US = 100_000
V2, V1 = Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/cpu")


def _root() -> tuple[Path, str] | None:
    """Where to make the cgroup and how to set its quota, or None where neither is possible."""
    controllers = V2 / "cgroup.controllers"
    if controllers.is_file() and "cpu" in controllers.read_text().split():
        return V2, "v2"
    if (V1 / "cpu.cfs_quota_us").is_file():
        return V1, "v1"
    return None


def available() -> str | None:
    """Why a quota cannot be set here, or None when it can."""
    found = _root()
    if found is None:
        return "this machine has no cgroup CPU controller (cgroup v2 cpu.max or v1 cpu.cfs_quota_us)"
    if not os.access(found[0], os.W_OK):
        return f"{found[0]} is not writable (run as root)"
    return None


@contextlib.contextmanager
def cpu_quota(share: float) -> Iterator[Path]:
    """A fresh cgroup allowed ``share`` of one core; removed at the end. Its cgroup.procs takes pids."""
    why = available()
    if why is not None:
        raise Unavailable(f"Cannot limit the CPU: {why}.")
    root, version = _root()  # type: ignore[misc]  # available() checked it
    group = root / f"edgecam-quota-{os.getpid()}"
    group.mkdir(exist_ok=True)
    quota = max(1000, round(share * PERIOD_US))
    try:
        if version == "v2":
            (group / "cpu.max").write_text(f"{quota} {PERIOD_US}\n")
        else:
            (group / "cpu.cfs_period_us").write_text(f"{PERIOD_US}\n")
            (group / "cpu.cfs_quota_us").write_text(f"{quota}\n")
        yield group
    finally:
        with contextlib.suppress(OSError):
            group.rmdir()  # once the processes in it have ended


def inside(group: Path, command: list[str]) -> list[str]:
    """``command`` as one that first moves itself into ``group``, so it runs limited from its start."""
    procs = shlex.quote(str(group / "cgroup.procs"))
    return ["sh", "-c", f'echo $$ > {procs} && exec "$@"', "edgecam-quota", *command]
