"""``edgecam models``: fetch the optional models that are not shipped with edgecam."""

from __future__ import annotations

import json

import typer
from rich.console import Console

app = typer.Typer(
    help="Optional models, fetched once from their publisher and checked by SHA-256.", no_args_is_help=True
)


@app.command("fetch")
def fetch(
    name: str = typer.Argument("yunet", help="Which model: 'yunet' (OpenCV Zoo's face detector, 233 kB)."),
    url: str | None = typer.Option(
        None,
        "--url",
        help="Download from this address instead (a mirror); the file must still match the published SHA-256.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print {name, path, sha256, size} as JSON."),
) -> None:
    """Download a model into your data folder (~/.local/share/edgecam/models), verified by SHA-256.

    Train with it by `edgecam train faces DATASET --yunet fetched` (Haar stays the default: it
    named more known faces on the held-out scenes); a model keeps the detector it was trained
    with, and one trained with YuNet elsewhere finds the copy fetched on this machine.

    Example: `edgecam models fetch yunet`
    """
    from edgecam.edge.errors import ConfigError
    from edgecam.edge.faces.model_fetch import MODELS
    from edgecam.edge.faces.model_fetch import fetch as download

    if name not in MODELS:
        raise ConfigError(f"No model called {name!r}; edgecam can fetch: {', '.join(MODELS)}.")
    model = MODELS[name]
    console = Console(stderr=True)
    with console.status(f"downloading {model.file}..."):
        path = download(model, url)
    if as_json:
        print(json.dumps({"name": model.name, "path": str(path), "sha256": model.sha256, "size": model.size}))
    else:
        console.print(f"[green]Fetched {model.file}[/] ({model.size:,} bytes, SHA-256 verified) into {path.parent}")
