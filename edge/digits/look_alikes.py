"""Shapes the model reads surely and wrongly, caught because it still sees the real digit a little.

On its wrong readings the model is nearly always sure (docs/benchmarks.md), so the sure level alone
cannot stop them. For a few shapes that people really write, it still gives the real digit a little
of its probability, at one of the three fits at least:

- an 8 whose ink shows one loop (``loops.py``): a bold 6 whose top curls onto its loop, or a 9
  whose tail bends back under it;
- a 7 that is a 1 written with a long flag, as much of Europe writes it (a shaken camera smears
  the flag into a 7's bar);
- a 6 that is a 4 written closed at the top, its closed corner seen as a 6's loop.

A real 7 or 6 is rarely also read as that other digit: its bar, or its round loop, keeps it apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from edgecam.edge.digits.loops import one_loop_digit

if TYPE_CHECKING:
    from edgecam.edge.digits.reader import Digit

ALSO_SEEN = 0.05  # the one-loop digit's probability in an 8 with one loop, at any fit: it sees that digit too
PAIR_SEEN = 0.1  # the other digit's probability in a digit of a pair below, at any fit
# A digit read as the first, the digit it may be, and how that one was written.
PAIRS = (("7", "1", "a 1 written with a flag"), ("6", "4", "a 4 closed at the top"))
ONE_LOOP_EIGHT = "digit {} has one loop: it may be a {}"
MAY_BE = "digit {} may be {}"


def look_alike(found: Sequence[Digit], labels: Sequence[str], ink_mask: Callable[[], np.ndarray]) -> str | None:
    """Why a digit the model is sure of may be another, or None. ``labels`` are the model's;
    ``ink_mask`` gives the card's binary ink, and is called only when an 8 is read."""
    read = [(i, labels[d.digit], d.fits, d.box) for i, d in enumerate(found) if d.fits is not None]
    for i, label, fits, _ in read:
        for seen_as, other, written in PAIRS:
            if label == seen_as and _seen(fits, labels, other) >= PAIR_SEEN:
                return MAY_BE.format(i + 1, written)
    eights = [(i, fits, box) for i, label, fits, box in read if label == "8"]
    if not eights:
        return None  # the common case, without thresholding the ink again
    mask = ink_mask()
    for i, fits, (x, y, w, h) in eights:
        loop_digit = one_loop_digit(mask[y : y + h, x : x + w])
        if loop_digit is not None and _seen(fits, labels, loop_digit) >= ALSO_SEEN:
            return ONE_LOOP_EIGHT.format(i + 1, loop_digit)
    return None


def _seen(fits: np.ndarray, labels: Sequence[str], label: str) -> float:
    """The model's largest probability of ``label`` over the fits (FITS x classes), 0 if it has none."""
    return float(fits[:, labels.index(label)].max()) if label in labels else 0.0
