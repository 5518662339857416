"""The command line explains itself."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli


def test_top_level_help_lists_areas_and_exit_codes():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "train" in result.stdout
    assert "78 bad config" in result.stdout


@pytest.mark.parametrize("command", [("train", "digits")])
def test_every_command_has_help(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "Example" in result.stdout or "--" in result.stdout
