"""Keep the shown text steady over frames, and never let a guess through."""

from __future__ import annotations

from collections import deque

from edgecam.edge.digits.reader import Reading

# Reads: how far back the reads that spell a text are weighed together. A digit the model reads
# at about the sure level crosses it now and then; over this many reads it shows as unsure.
WEIGHED_READS = 10


class Stabilizer:
    """The text shown changes only to one read with confidence on ``agree`` reads in a row, so one
    bad frame cannot flip it; until then, and whenever a read is unsure, the answer is unsure,
    holding the last confident text for the overlay to show greyed.

    A text is shown only while its weakest digit, averaged over the last reads that spell it
    (sure or not), is as sure as ``sure`` asks of one read: a digit the model is on the fence
    about is not shown on the reads where it happens to cross the level."""

    def __init__(self, agree: int, sure: float = 0.0):
        self.agree = max(1, agree)
        self.sure = sure
        self.shown: Reading | None = None
        self._candidate: str | None = None
        self._streak = 0
        self._recent: deque[Reading] = deque(maxlen=WEIGHED_READS)

    def __call__(self, reading: Reading) -> Reading:
        self._recent.append(reading)
        if reading.unsure:
            self._candidate, self._streak = None, 0
            return self._unsure(reading, reading.reason)
        self._streak = self._streak + 1 if reading.text == self._candidate else 1
        self._candidate = reading.text
        fence = self._on_the_fence(reading)
        if fence:
            return self._unsure(reading, fence)
        if self.shown is None or reading.text == self.shown.text or self._streak >= self.agree:
            self.shown = reading
            return reading
        # A new text not yet read often enough: the old one may be stale, the new one a fluke.
        return self._unsure(reading, "a new text, not yet confirmed")

    def _unsure(self, reading: Reading, reason: str | None) -> Reading:
        return Reading(None, 0.0, reading.digits, reason, self.shown.text if self.shown else None)

    def _on_the_fence(self, reading: Reading) -> str | None:
        """Why ``reading``'s text is not to be shown for all it is sure this once: a digit the last
        reads that spell the text were, on average, not sure of; or None."""
        text = _spells(reading)
        spelled = [read.digits for read in self._recent if read.digits and _spells(read) == text]
        if len(spelled) < 2:
            return None
        means = [sum(digits[i].probability for digits in spelled) / len(spelled) for i in range(len(reading.digits))]
        weakest = min(range(len(means)), key=means.__getitem__)
        if means[weakest] >= self.sure:
            return None
        return f"digit {weakest + 1} is unclear over the last {len(spelled)} reads ({means[weakest]:.0%} sure)"


def _spells(reading: Reading) -> str:
    return "".join(str(digit.digit) for digit in reading.digits)
