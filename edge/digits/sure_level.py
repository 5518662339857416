"""How probable (calibrated) a digit must be for a card to read as sure: one default for the
loop's ``[digits] sure`` and for the reader alone (``edgecam read``, the benchmarks).

A module of its own so the config can name it without importing the reader's OpenCV code.
How the level was chosen, on the calibration family and never on the benchmark: docs/cards.md.
"""

SURE = 0.8
