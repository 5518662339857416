"""What a person may be called: the name is a folder of the face library and a label in events."""

from __future__ import annotations

import unicodedata

from edgecam.edge.errors import DataError
from edgecam.edge.faces.recognizer import UNKNOWN

MAX_LENGTH = 64
HIDDEN = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")  # control, format, surrogate, private use, line breaks
JOINERS = "\u200c\u200d"  # format characters that some scripts (Persian, Indic) need inside a name


def checked_name(name: str) -> str:
    """``name`` as it is stored (NFC, no surrounding spaces), or a DataError saying what is wrong."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise DataError("A person's name cannot be empty.")
    if len(name) > MAX_LENGTH:
        raise DataError(f"A person's name is at most {MAX_LENGTH} characters, not {len(name)}.")
    if name.casefold() == UNKNOWN:
        raise DataError(f'"{UNKNOWN}" is what edgecam calls a stranger; choose another name.')
    if name.startswith(".") or any(c in name for c in "/\\"):
        raise DataError(f"A person's name cannot start with a dot or hold / or \\ (it names a folder): {name!r}.")
    if any(unicodedata.category(c) in HIDDEN and c not in JOINERS for c in name):
        raise DataError(f"A person's name cannot hold control or invisible characters: {name!r}.")
    return name
