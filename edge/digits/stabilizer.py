"""Keep the shown text steady over frames, and never let a guess through."""

from __future__ import annotations

from edgecam.edge.digits.reader import Reading


class Stabilizer:
    """The text shown changes only to one read with confidence on ``agree`` reads in a row, so one
    bad frame cannot flip it; until then, and whenever a read is unsure, the answer is unsure,
    holding the last confident text for the overlay to show greyed."""

    def __init__(self, agree: int):
        self.agree = max(1, agree)
        self.shown: Reading | None = None
        self._candidate: str | None = None
        self._streak = 0

    def __call__(self, reading: Reading) -> Reading:
        if reading.unsure:
            self._candidate, self._streak = None, 0
            return Reading(None, 0.0, reading.digits, reading.reason, self.shown.text if self.shown else None)
        self._streak = self._streak + 1 if reading.text == self._candidate else 1
        self._candidate = reading.text
        if self.shown is None or reading.text == self.shown.text or self._streak >= self.agree:
            self.shown = reading
            return reading
        # A new text not yet read often enough: the old one may be stale, the new one a fluke.
        return Reading(None, 0.0, reading.digits, "a new text, not yet confirmed", self.shown.text)
