"""``edgecam card print``: the digit card to print, with ArUco markers the loop finds it by."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="The printable digit card.", no_args_is_help=True)


@app.command("print")
def print_card(
    out: Path = typer.Option(Path("card.pdf"), "--out", help="Where to write it: .pdf (vector, A6) or .png/.jpg."),
    dpi: int = typer.Option(300, "--dpi", min=72, max=1200, help="Pixels per inch of a PNG or JPEG."),
) -> None:
    """Make the card to write digits on: an A6 page with a box to write in and an ArUco marker at
    each corner. Print it at any size (the loop needs the proportions, not the size), write in the
    box with a dark pen, and hold it up anywhere in view: `edgecam run` with no `--roi` finds it,
    tilted or with a hand over one corner, and reads only inside the box.

    Example: `edgecam card print --out card.pdf`
    """
    from rich.console import Console

    from edgecam.edge.digits.card_print import write_card
    from edgecam.edge.errors import EX_CANTCREAT, EdgecamError

    try:
        write_card(out, dpi)
    except OSError as error:
        raise EdgecamError(f"Cannot write the card to {out}: {error.strerror or error}.", EX_CANTCREAT) from error
    except ValueError as error:
        raise EdgecamError(f"Cannot write the card to {out}: {error}; use .pdf or .png.", EX_CANTCREAT) from error
    Console().print(f"Wrote the digit card to {out}: print it, write in the box, hold it up to the camera.")
