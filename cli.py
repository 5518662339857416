"""The ``edgecam`` command: one typer app over the four folders, one sub-app per area.

The CLI only parses and calls. Errors a user can cause arrive here as
EdgecamError and leave as one red sentence and a documented exit code.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from edgecam import __version__
from edgecam.edge.errors import EdgecamError

EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 failed; 2 bad arguments; 65 bad input data (corrupt file, failed checksum); "
    "66 a named file is missing; 69 something needed is unavailable (network, camera, an extra that is "
    "not installed); 70 a result failed verification; 73 cannot write an output; 74 I/O error; "
    "78 bad config; 130 interrupted."
)

app = typer.Typer(
    name="edgecam",
    help="edgecam: name faces and read handwritten digits from a camera, on a small machine.\n\n"
    "Train the models on a laptop (edgecam train ...), export the digit model to ONNX "
    "(edgecam export ...), then run the live loop on the device.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        print(f"edgecam {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print edgecam's version and exit."
    ),
) -> None:
    """edgecam: name faces and read handwritten digits from a camera, on a small machine."""


def _register_sub_apps() -> None:
    # Each area's module imports only typer at the top, so --help stays fast and
    # works on a device that has no torch installed.
    from edgecam.calibration.cli import app as calibrate_app
    from edgecam.edge.commands.card import app as card_app
    from edgecam.edge.commands.config_show import config_app
    from edgecam.edge.commands.models import app as models_app
    from edgecam.edge.commands.mqtt import app as mqtt_app
    from edgecam.edge.commands.read import read
    from edgecam.edge.commands.recognize import recognize
    from edgecam.edge.commands.run import run
    from edgecam.edge.commands.service import app as service_app
    from edgecam.export.cli import app as export_app
    from edgecam.train.cli import app as train_app
    from edgecam.train.demo.bench import bench
    from edgecam.train.demo.command import demo
    from edgecam.train.faces.cli import eval_app
    from edgecam.train.faces.enroll_command import enroll

    app.add_typer(train_app, name="train")
    app.add_typer(export_app, name="export")
    app.add_typer(calibrate_app, name="calibrate")
    app.add_typer(eval_app, name="eval")
    app.command()(demo)
    app.command()(run)
    app.command()(bench)
    app.command()(read)
    app.command()(recognize)
    app.command()(enroll)
    app.add_typer(config_app, name="config")
    app.add_typer(service_app, name="service")
    app.add_typer(models_app, name="models")
    app.add_typer(mqtt_app, name="mqtt")
    app.add_typer(card_app, name="card")


_register_sub_apps()


def main() -> None:
    err = Console(stderr=True, soft_wrap=True)  # one sentence stays one line, for logs and grep
    try:
        app()
    except EdgecamError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)


if __name__ == "__main__":
    main()
