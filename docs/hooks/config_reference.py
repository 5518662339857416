"""MkDocs hook: the configuration reference, generated from the config models at build time.

The page holds a marker; this replaces it with one table per section, so the reference
can never drift from what ``edgecam.edge.config`` accepts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

MARKER = "<!-- config-reference -->"


def on_page_markdown(markdown: str, **_: Any) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference())


def reference() -> str:
    from edgecam.edge.config import Config

    parts = []
    for section, field in Config.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        parts.append(f"## `[{section}]`\n")
        parts.append("| key | type | range | default | what it does |\n| --- | --- | --- | --- | --- |")
        for key, spec in model.model_fields.items():
            default = spec.get_default(call_default_factory=True) if spec.default is PydanticUndefined else spec.default
            kind = _type_name(spec.annotation)
            parts.append(f"| `{key}` | {kind} | {_range(spec.metadata)} | `{default!r}` | {spec.description or ''} |")
        parts.append("")
    return "\n".join(parts)


def _range(metadata: list) -> str:
    """The bounds a field's Field(ge=..., le=...) set, as a reader writes them."""
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    bounds = [
        f"{sign} {getattr(item, name)}" for item in metadata for name, sign in words.items() if hasattr(item, name)
    ]
    return ", ".join(bounds)


def _type_name(annotation: Any) -> str:
    name = getattr(annotation, "__name__", None) or str(annotation)
    return name.replace("typing.", "").replace("|", "\\|")
