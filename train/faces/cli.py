"""``edgecam eval``: measure models on your own data (one command per file, registered here)."""

from __future__ import annotations

import typer

from edgecam.train.faces.eval_command import eval_faces

eval_app = typer.Typer(help="Measure models on your own data.", no_args_is_help=True)
eval_app.command("faces")(eval_faces)
