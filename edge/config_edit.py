"""Change keys of a TOML config file in place, keeping its comments, order and other keys.

The live page and ``edgecam calibrate roi`` set the ROI this way: the user's file stays their
file (tomlkit round-trips it), the result is validated as a whole before anything is written,
and it is written atomically with the file's own permissions.
"""

from __future__ import annotations

import stat
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from edgecam.edge import atomic
from edgecam.edge import config as configuration
from edgecam.edge.errors import ConfigError


def set_keys(path: Path, changes: dict[tuple[str, str], object]) -> configuration.Config:
    """Set each (section, key) of the file at ``path`` (created when missing) and return the
    config it now holds; a change that would make the file invalid is refused and nothing written."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    except OSError as error:
        raise ConfigError(f"The config file {path} cannot be read ({error.strerror or error}).") from None
    if path.exists():
        configuration.load(path)  # a file that is already wrong is named as it is, not rewritten
    try:
        document = tomlkit.parse(text)
        for (section, key), value in changes.items():
            if section not in document:
                document[section] = tomlkit.table()
            table = document[section]
            table[key] = value
        changed = tomlkit.dumps(document)
    except TOMLKitError as error:
        raise ConfigError(f"{path} cannot be edited: {error}.") from None
    config = configuration.from_dict(tomlkit.parse(changed).unwrap(), str(path))
    try:
        atomic.write_text(path, changed, mode)
    except OSError as error:
        raise ConfigError(f"The config file {path} cannot be written ({error.strerror or error}).") from None
    return config
