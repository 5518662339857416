"""How the loop showed the tests' clip's cards, as the loop tests judge it."""

from __future__ import annotations


def cards_shown(events: list[dict], texts: list[str]) -> tuple[int, int, int]:
    """Of the clip's cards (``texts``: each frame's true text; ``events`` may go round the clip more
    than once), how many the loop showed right on three quarters of their frames or more; how many
    cards there are; and the longest run of frames that showed a wrong text (a text that is not the
    card's: "unsure" is no text)."""
    tallies: dict[str, list[int]] = {}  # card -> [frames shown right, frames]
    longest = run = 0
    for event in (e for e in events if "digits" in e):
        truth, text = texts[event["frame"] % len(texts)], event["digits"]["text"]
        tally = tallies.setdefault(truth, [0, 0])
        tally[0] += text == truth
        tally[1] += 1
        run = run + 1 if text is not None and text != truth else 0
        longest = max(longest, run)
    read = sum(right >= 0.75 * frames for right, frames in tallies.values())
    return read, len(set(texts)), longest
