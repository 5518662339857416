"""Errors a user can cause, each with one sentence and a documented exit code.

The codes follow BSD sysexits so that shell scripts and systemd can tell a bad
config (which must not restart-loop) from a camera that went away.
"""

from __future__ import annotations

EX_USAGE = 2  # bad command-line arguments (typer/click uses 2 too)
EX_DATAERR = 65  # input data is wrong: corrupt file, failed checksum, bad dataset
EX_NOINPUT = 66  # a file or folder the user named does not exist
EX_UNAVAILABLE = 69  # a needed resource is unreachable: network, camera, an extra not installed
EX_SOFTWARE = 70  # our bug or a result that failed verification
EX_CANTCREAT = 73  # cannot write an output file
EX_IOERR = 74  # reading or writing failed midway (full disk, I/O error)
EX_CONFIG = 78  # a config key or value is wrong


class EdgecamError(Exception):
    """A failure explained in one sentence; the CLI prints it and exits with ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class DataError(EdgecamError):
    exit_code = EX_DATAERR


class MissingInput(EdgecamError):
    exit_code = EX_NOINPUT


class Unavailable(EdgecamError):
    exit_code = EX_UNAVAILABLE


class ConfigError(EdgecamError):
    exit_code = EX_CONFIG


class VerificationFailed(EdgecamError):
    exit_code = EX_SOFTWARE
