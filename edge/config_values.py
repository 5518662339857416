"""Single config values: the text a TOML file can hold, places that can be written, MQTT topic
levels, and the command line's shorthands for them (PORT or HOST:PORT, mqtt:// URLs, x,y,w,h).

edge.config builds its tables from these; the commands parse their flags with them.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from edgecam.edge.errors import ConfigError

TEXT_LIMIT = 4096  # characters: a path may be this long on Linux; nothing we read is longer


def printable(text: str) -> str:
    """Text a TOML file can hold and print back: no newlines, escapes, DEL or NUL, and not endless."""
    if len(text) > TEXT_LIMIT:
        raise ValueError(f"must be at most {TEXT_LIMIT} characters, not {len(text)}")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must not hold control characters (newline, tab, escape, NUL, DEL)")
    return text


# A number where a path or name belongs (spec = 0, device = 12) is meant as text.
Text = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    AfterValidator(printable),
]


def writable_place(path: str, what: str) -> str:
    """``path`` can be written where it names: not a folder, and its nearest existing parent is a
    folder this user may write in (the sinks make missing folders below it)."""
    if not path:
        return path
    target = Path(path)
    try:
        if target.is_dir():
            raise ValueError(f"is a folder; give the {what} a file name inside it")
        parent = target.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise ValueError(f"lies under {parent}, which is a file")
        if not os.access(parent, os.W_OK):
            raise ValueError(f"cannot be written: {parent} is not writable for this user")
    except OSError as error:  # a name too long for the file system, and the like
        raise ValueError(f"cannot be used as a path ({error.strerror or error})") from None
    return path


def topic_levels_ok(levels: list[str]) -> bool:
    return all(level and "+" not in level and "#" not in level and "/" not in level for level in levels)


def parse_listen(text: str) -> tuple[str, int]:
    """ "8080", "127.0.0.1:8080", "0.0.0.0:8080" or "[::]:8080" -> (host, port); no host means 127.0.0.1."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    number = int(port)
    if not 0 <= number <= 65535:
        raise ValueError(port)
    if host != "localhost":
        ipaddress.ip_address(host)
    return host, number


def parse_mqtt_url(text: str) -> dict:
    """mqtt://[user@]host[:port][/prefix] (mqtts:// for TLS) -> the [mqtt] keys it sets."""
    url = urllib.parse.urlsplit(text.strip())
    if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
        raise ConfigError(f"--mqtt {text!r} must look like mqtt://host:1883/prefix (or mqtts:// for TLS).")
    if url.password:
        raise ConfigError(
            "Put the MQTT password in $EDGECAM_MQTT_PASSWORD, not in the URL, "
            "where every user of this machine can read it in the process list."
        )
    tls = url.scheme == "mqtts"
    try:
        port = url.port or (8883 if tls else 1883)
    except ValueError:
        raise ConfigError(f"--mqtt {text!r} has a bad port.") from None
    values = {"broker": url.hostname, "port": port, "tls": tls}
    if url.path.strip("/"):
        values["prefix"] = url.path.strip("/")
    if url.username:
        values["username"] = urllib.parse.unquote(url.username)
    return values


def parse_roi(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or values[2] <= 0 or values[3] <= 0 or min(values) < 0:
        raise ConfigError(f"--roi {text!r} must be x,y,w,h in pixels, e.g. 160,120,320,160.")
    return values
