"""How a card's reading compares with what is written on it: the three outcomes every digit figure counts."""


def outcome(reading, truth: str) -> str:
    """One of "unsure" (the reader said so and gave no text), "exact" (the text written) or "wrong"."""
    return "unsure" if reading.unsure else "exact" if reading.text == truth else "wrong"
