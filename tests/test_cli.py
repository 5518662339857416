"""The command line explains itself."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_cli


def test_top_level_help_lists_areas_and_exit_codes():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "train" in result.stdout
    assert "78 bad config" in result.stdout


def _commands():
    """Every command the edgecam app has, as the words that call it (``("train", "digits")``)."""
    import typer

    from edgecam.cli import app

    def walk(command, path, context):
        if hasattr(command, "list_commands"):  # a group (typer's own click classes, not click.Group)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                yield from walk(sub, (*path, name), context.__class__(sub, parent=context, info_name=name))
        else:
            yield path, command

    root = typer.main.get_command(app)
    return list(walk(root, (), root.context_class(root)))


COMMANDS = _commands()


def test_the_walk_finds_every_area():
    top = {path[0] for path, _ in COMMANDS}
    assert top >= {"demo", "run", "bench", "read", "recognize", "enroll", "train", "export", "calibrate"}
    assert {"config", "service", "models", "mqtt", "eval"} <= top and len(COMMANDS) >= 17


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_every_command_has_help_with_an_example_and_every_option(path, command):
    from typer.testing import CliRunner

    from edgecam.cli import app

    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "250", "TERMINAL_WIDTH": "250"})
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())
    assert f"Usage: edgecam {' '.join(path)}" in shown or f"Usage: root {' '.join(path)}" in shown
    assert re.search(r"Example: (sudo )?edgecam ", shown), f"edgecam {' '.join(path)} --help shows no example"
    summary = " ".join((command.help or "").split("\n\n")[0].split())
    assert summary and summary[:40] in shown.replace("`", "")
    for option in command.params:
        for flag in option.opts:
            if flag.startswith("--"):
                assert flag in shown, f"{flag} is missing from edgecam {' '.join(path)} --help"
