"""``edgecam config show``: the configuration the loop would run with, as a documented TOML file."""

from __future__ import annotations

from pathlib import Path

import typer

config_app = typer.Typer(help="Inspect the configuration the loop would run with.", no_args_is_help=True)

CONFIG_HELP = "TOML config file; flags given here override it."


@config_app.command("show")
def show(
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    source: str | None = typer.Option(None, "--source"),
    roi: str | None = typer.Option(None, "--roi"),
    faces: Path | None = typer.Option(None, "--faces"),
    digits: Path | None = typer.Option(None, "--digits"),
    threads: int | None = typer.Option(None, "--threads", min=1),
) -> None:
    """Print the effective config (file plus flags) as TOML, every key with its default and help;
    errors name the wrong key (exit 78).

    Example: `edgecam config show --source rpicam --faces models --digits models/digits.onnx > edgecam.toml`
    """
    from edgecam.edge import config as configuration
    from edgecam.edge.settings import Flags, settle

    # No environment here: its secrets are never printed.
    config, _ = settle(config_file, Flags(source=source, roi=roi, faces=faces, digits=digits, threads=threads))
    print(configuration.to_toml(config), end="")
