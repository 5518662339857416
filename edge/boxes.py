"""Boxes in pixels, (x, y, w, h), as the face tracker and the digit reader both draw them."""

from __future__ import annotations

from collections.abc import Sequence

Box = tuple[int, int, int, int]


def box_around(boxes: Sequence[Sequence[int]]) -> Box:
    """The smallest box holding all of ``boxes``."""
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)
