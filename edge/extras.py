"""Import an optional extra, or say in one sentence how to install it."""

from __future__ import annotations

import importlib

from edgecam.edge.errors import Unavailable


def require(module: str, extra: str, purpose: str):
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise Unavailable(
            f"{purpose} needs {module}, which is not installed here ({error}); "
            f"install it from the edgecam checkout with: pip install '.[{extra}]'."
        ) from error
