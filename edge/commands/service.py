"""The systemd unit that runs the loop at boot, and ``edgecam service install`` that writes it."""

from __future__ import annotations

import secrets
import shutil
import socket
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
# The live page's setup saves the ROI into the config file.
ReadWritePaths=/var/lib/edgecam {config_dir}
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
    return UNIT.format(python=python, config=config, user=user, config_dir=Path(config).parent)


# A first config for a camera set up from the browser: the page open to the network behind the
# token, snapshots (the unknown faces the page can name), a face library and its model in the
# state folder (faces are all "unknown" until the library holds three people).
STARTER: dict[tuple[str, str], object] = {
    ("stream", "listen"): "0.0.0.0:8080",
    ("snapshots", "folder"): "/var/lib/edgecam/snapshots",
    ("faces", "library"): "/var/lib/edgecam/faces",
    ("faces", "model"): "/var/lib/edgecam/models",  # trained from the library once it holds three people
}


@app.command()
def install(
    user: str = typer.Option("edgecam", "--user", help="The dedicated user the service runs as."),
    config: Path = typer.Option(
        Path("/etc/edgecam/edgecam.toml"), "--config", help="The config the service reads (written if missing)."
    ),
    unit_dir: Path = typer.Option(Path("/etc/systemd/system"), "--unit-dir", help="Where to write edgecam.service."),
    env_file: Path = typer.Option(
        Path("/etc/default/edgecam"), "--env-file", help="The service's secrets; a page token is added if missing."
    ),
) -> None:
    """Write edgecam.service, a first config and a token for the live page, then print the steps
    left and the page's address.

    Example: `sudo edgecam service install --user edgecam`
    """
    from edgecam.edge import config as configuration
    from edgecam.edge.settings import STREAM_TOKEN

    console = Console(soft_wrap=True)  # an address or a command cut in two cannot be pasted
    config, env_file = config.absolute(), env_file.absolute()
    unit = unit_dir / "edgecam.service"
    atomic.write_text(unit, render(sys.executable, str(config), user), 0o644)
    console.print(f"Wrote {unit}.")
    if not config.exists():
        starter = configuration.with_overrides(configuration.Config(), STARTER, "the starter config")
        atomic.write_text(config, configuration.to_toml(starter), 0o640)
        console.print(
            f"Wrote {config}: the live page on port 8080, snapshots and a face library under /var/lib/edgecam."
        )
    token = _token(env_file)
    listen = configuration.load(config).stream.listen
    steps = [
        f"sudo useradd --system --home /var/lib/edgecam --shell /usr/sbin/nologin {user}  # once",
        f"sudo chown -R {user} {config.parent}  # the page saves the ROI into {config}",
        "sudo systemctl daemon-reload",
        "sudo systemctl enable --now edgecam",
        "systemctl status edgecam; journalctl -u edgecam -f",
    ]
    if shutil.which("systemd-analyze"):
        steps.insert(2, f"systemd-analyze verify {unit}")
    console.print("Then:")
    for step in steps:
        console.print(f"  {step}", highlight=False)
    if listen:
        port = listen.rsplit(":", 1)[-1]
        console.print(
            f"Then set it up from a browser: http://{socket.gethostname()}.local:{port}/?token={token} "
            f"(the token is {STREAM_TOKEN} in {env_file}; Setup is under the picture).",
            highlight=False,
        )
    else:
        console.print(f"The live page is off: set [stream] listen in {config} to set the camera up from a browser.")


def _token(env_file: Path) -> str:
    """The page's token from the service's environment file, added there (mode 0600) when missing."""
    from edgecam.edge.settings import STREAM_TOKEN

    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() == STREAM_TOKEN and value.strip():
            return value.strip().strip('"')
    token = secrets.token_urlsafe(18)
    atomic.write_text(env_file, "\n".join([*lines, f"{STREAM_TOKEN}={token}"]) + "\n", 0o600)
    return token
