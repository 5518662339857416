"""``edgecam train``: the digit CNN and the face model (one command per file, registered here)."""

from __future__ import annotations

import typer

from edgecam.train.digits.command import digits
from edgecam.train.faces.train_command import faces

app = typer.Typer(
    help="Train the digit CNN (needs the 'train' extra) and the face model (OpenCV only).", no_args_is_help=True
)
app.command()(digits)
app.command()(faces)
