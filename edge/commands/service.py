"""The systemd unit that runs the loop at boot, and ``edgecam service install`` that writes it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer
from rich.console import Console

from edgecam.edge import atomic

app = typer.Typer(help="Run edgecam unattended under systemd.", no_args_is_help=True)

UNIT = """\
[Unit]
Description=edgecam: names faces and reads digits from the camera
After=network-online.target
Wants=network-online.target
# Give up after 5 failed starts in 5 minutes instead of restarting forever.
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=notify
NotifyAccess=main
ExecStart={python} -m edgecam run --config {config} --headless
# The loop feeds the watchdog only while frames really flow: a hung camera gets us restarted.
WatchdogSec=30
Restart=on-failure
RestartSec=5
# Exit 78 is a bad config: restarting cannot fix it.
RestartPreventExitStatus=78
TimeoutStopSec=20
KillSignal=SIGTERM
User={user}
Group={user}
SupplementaryGroups=video
StateDirectory=edgecam
WorkingDirectory=/var/lib/edgecam
EnvironmentFile=-/etc/default/edgecam
Environment=PYTHONUNBUFFERED=1

# Hardening that still lets the camera work (V4L2 and libcamera need /dev access, so no PrivateDevices).
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=/var/lib/edgecam
PrivateTmp=true
NoNewPrivileges=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectControlGroups=true
RestrictSUIDSGID=true
LockPersonality=true
DevicePolicy=closed
DeviceAllow=char-video4linux rw
DeviceAllow=char-media rw
DeviceAllow=char-dma_heap rw
DeviceAllow=/dev/dma_heap rw
DeviceAllow=/dev/vchiq rw
DeviceAllow=/dev/vcsm-cma rw

[Install]
WantedBy=multi-user.target
"""

DEFAULTS = {"python": "/opt/edgecam/venv/bin/python", "config": "/etc/edgecam/edgecam.toml", "user": "edgecam"}


def render(python: str, config: str, user: str) -> str:
    return UNIT.format(python=python, config=config, user=user)


@app.command()
def install(
    user: str = typer.Option("edgecam", "--user", help="The dedicated user the service runs as."),
    config: Path = typer.Option(Path("/etc/edgecam/edgecam.toml"), "--config", help="The config the service reads."),
    unit_dir: Path = typer.Option(Path("/etc/systemd/system"), "--unit-dir", help="Where to write edgecam.service."),
) -> None:
    """Write edgecam.service with this Python's path, and print the steps to enable it.

    Example: `sudo edgecam service install --user edgecam`
    """
    unit = unit_dir / "edgecam.service"
    atomic.write_text(unit, render(sys.executable, str(config), user), 0o644)
    console = Console()
    console.print(f"Wrote {unit}. Then:")
    steps = [
        f"sudo useradd --system --home /var/lib/edgecam --shell /usr/sbin/nologin {user}  # once",
        f"sudo install -d -m 0755 {config.parent} && edgecam config show --source 0 | sudo tee {config}  # edit it",
        "sudo touch /etc/default/edgecam && sudo chmod 600 /etc/default/edgecam  # secrets go here: "
        "EDGECAM_STREAM_TOKEN=..., EDGECAM_MQTT_PASSWORD=...",
        "sudo systemctl daemon-reload",
        "sudo systemctl enable --now edgecam",
        "systemctl status edgecam; journalctl -u edgecam -f",
    ]
    if shutil.which("systemd-analyze"):
        steps.insert(3, f"systemd-analyze verify {unit}")
    for step in steps:
        console.print(f"  {step}", highlight=False)
