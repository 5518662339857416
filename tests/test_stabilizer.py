"""The stabiliser over a card's reads: a digit on the fence is not shown on the reads where it
happens to cross the sure level, and a card read clearly is shown as before, blur or no blur.

The reads are the reader's own kind of answer (``Reading`` with its digits), built here with the
probabilities the loop's clips gave for such a card: a tilted MNIST "25" whose 2 the model read as
a 1 at 49-82 % over 60 frames, and which the loop showed as "15" for 6 frames in a row
(`docs/benchmarks.md`, fifty-fourth pass)."""

from __future__ import annotations

import math

from edgecam.edge.digits.reader import Digit, Reading, unsure
from edgecam.edge.digits.stabilizer import Stabilizer

SURE = 0.8


def _read(text: str, probabilities: list[float]) -> Reading:
    pairs = enumerate(zip(text, probabilities, strict=True))
    digits = [Digit(int(value), p, (10 * i, 0, 8, 12)) for i, (value, p) in pairs]
    weakest = min(range(len(digits)), key=lambda i: probabilities[i])
    if probabilities[weakest] < SURE:
        return unsure(f"digit {weakest + 1} is unclear ({probabilities[weakest]:.0%} sure)", digits)
    return Reading(text, math.prod(probabilities), digits)


def _shown(reads: list[Reading]) -> list[str | None]:
    stabilize = Stabilizer(agree=2, sure=SURE)
    return [stabilize(read).text for read in reads]


def test_a_digit_on_the_fence_is_not_shown_when_it_crosses_the_level_now_and_then():
    hovering = [0.74, 0.74, 0.63, 0.75, 0.81, 0.81, 0.79, 0.79, 0.82, 0.82, 0.82, 0.82, 0.53, 0.55, 0.81]
    shown = _shown([_read("15", [p, 0.97]) for p in hovering])
    assert shown == [None] * len(hovering)
    # Without the reads' history, the same reads showed "15" on 7 of them (two sure reads in a row).
    plain = Stabilizer(agree=2)
    assert sum(plain(_read("15", [p, 0.97])).text == "15" for p in hovering) == 7


def test_a_clear_card_is_shown_at_once_and_again_after_a_blurred_read():
    reads = [_read("2684", [0.99, 0.97, 0.98, 0.95])] * 3
    reads += [_read("2684", [0.99, 0.62, 0.98, 0.95]), unsure("no card in view")]
    reads += [_read("2684", [0.99, 0.96, 0.98, 0.95])] * 3
    assert _shown(reads) == ["2684", "2684", "2684", None, None, "2684", "2684", "2684"]


def test_a_new_card_is_weighed_on_its_own_reads_not_the_last_cards():
    # The last card's doubtful reads spell another text: they do not hold the new one back, which
    # waits only for its second read, as any new text does.
    reads = [_read("907", [0.98, 0.97, 0.97])] * 2 + [_read("907", [0.98, 0.55, 0.97])] * 4
    reads += [_read("31", [0.96, 0.99])] * 3
    assert _shown(reads) == ["907", "907", None, None, None, None, None, "31", "31"]


def test_a_shown_text_whose_digit_falls_to_the_fence_greys_out_and_comes_back_when_clear():
    reads = [_read("40", [0.95, 0.93])] * 4 + [_read("40", [0.95, p]) for p in (0.5, 0.45, 0.82, 0.5, 0.83)]
    reads += [_read("40", [0.95, 0.94])] * 6
    stabilize = Stabilizer(agree=2, sure=SURE)
    answers = [stabilize(read) for read in reads]
    texts = [answer.text for answer in answers]
    assert texts[1:4] == ["40"] * 3
    # On the fence: the 82 % and 83 % reads are not shown, but the last sure text is held, greyed.
    assert texts[4:9] == [None] * 5 and all(answer.held == "40" for answer in answers[4:9])
    assert "over the last" in (answers[6].reason or "")
    assert texts[-1] == "40"
