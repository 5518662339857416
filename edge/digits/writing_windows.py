"""Where writing is in a picture: windows round rows of dark strokes, where a plain card may be
looked for again when the search of the whole picture found none, or none with the writing on it.

In the whole picture a small card is one shape among many: a checked cloth's or a tiled floor's
straight lines are longer than its sides and crowd them out of the side search, and the
brightness levels are set by everything in view. In a window round the writing the card fills
much of the picture, its sides are among the longest lines, and the levels are the card's and
the desk's beside it.
"""

from __future__ import annotations

import cv2
import numpy as np

STROKE_WIDTH_MOST = 9  # pixels of the search's small picture: a wider dark patch is no pen's stroke
INK = 0.85  # a stroke is darker than this share of the paper around it
DARK_PAPER = 40  # grey levels: darker "paper" round a dark patch is a dark desk, not a card
ROW_JOIN = (13, 5)  # pixels across and down: strokes this close are one row of writing
ROW_HEIGHT = (8, 0.6)  # pixels, and share of the picture's height: a row of digits is within these
ROW_WIDTH_MOST = 0.8  # of the picture's width
INK_LEAST = 20  # pixels of stroke in a row: fewer is a speck
RING_INK_MOST = 0.15  # of the paper round a row of writing is strokes at most
WINDOWS = 3  # rows tried, the most ink first
# How far a window reaches past its row on each side: across, this share of the row's width plus
# this many times its height (a card's margin beside a short number), and down, this many heights.
REACH_ACROSS = (0.5, 1.0)
REACH_DOWN = 1.2
# Times those reaches: a card written small (or with a wide margin) is cut by the first window,
# so the first row's window is searched again this much larger.
FARTHER = (1.75, 2.5)


def windows(small: np.ndarray, step: float) -> list[tuple[tuple[int, int, int, int], np.ndarray]]:
    """Windows round the rows of writing in ``small`` (the search's small picture, ``step`` of
    the full picture's pixels to one of its own), in the order to search them: round each of the
    ``WINDOWS`` rows with the most ink, the most first, then farther round the first of them
    (``FARTHER``). Each as (x0, y0, x1, y1) and the corners of the box round the row's ink, in the
    full picture's pixels."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (STROKE_WIDTH_MOST, STROKE_WIDTH_MOST))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, disc).astype(np.float32)  # the strokes taken away
    ink = ((small.astype(np.float32) < INK * paper) & (paper > DARK_PAPER)).astype(np.uint8)
    joined = cv2.dilate(ink, np.ones(ROW_JOIN[::-1], np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined)
    height, width = small.shape[:2]
    found = []
    for label in range(1, count):
        x, y, w, h = (int(value) for value in stats[label, :4])
        # Writing on a card that is wholly in view does not reach the picture's border.
        inside = x > 0 and y > 0 and x + w < width and y + h < height
        if not (inside and ROW_HEIGHT[0] <= h <= ROW_HEIGHT[1] * height and w <= ROW_WIDTH_MOST * width):
            continue
        strokes = int(np.count_nonzero(ink[y : y + h, x : x + w][labels[y : y + h, x : x + w] == label]))
        if strokes >= INK_LEAST and _on_plain_paper(ink, labels, label, (x, y, w, h)):
            found.append((strokes, x, y, w, h))
    rows = sorted(found, reverse=True)[:WINDOWS]
    whole = (0, 0, int(np.ceil(width * step)), int(np.ceil(height * step)))
    placed: list[tuple[tuple[int, int, int, int], np.ndarray]] = []
    for reach, (_, x, y, w, h) in [(1.0, row) for row in rows] + [(far, row) for far in FARTHER for row in rows[:1]]:
        across, down = reach * (REACH_ACROSS[0] * w + REACH_ACROSS[1] * h), reach * REACH_DOWN * h
        x0, y0 = max(0.0, x - across), max(0.0, y - down)
        x1, y1 = min(float(width), x + w + across), min(float(height), y + h + down)
        corners = (int(x0 * step), int(y0 * step), int(np.ceil(x1 * step)), int(np.ceil(y1 * step)))
        # The whole picture, or a window searched already, would be searched again for nothing.
        if corners == whole or any(corners == other for other, _ in placed):
            continue
        # The box of the row's ink: the row's box less what joining the strokes grew it by.
        half = np.array([w - ROW_JOIN[0] + 1, h - ROW_JOIN[1] + 1], np.float32) / 2
        middle = np.array([x + w / 2, y + h / 2], np.float32)
        row = middle + half * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32)
        placed.append((corners, row * step))
    return placed


def _on_plain_paper(ink: np.ndarray, labels: np.ndarray, label: int, box: tuple[int, int, int, int]) -> bool:
    """Whether the ring half the row's height wide round the row (``label`` in ``labels``, ``box``
    its box) is nearly free of strokes: a card's paper round its writing, not a page of print, a
    tiled floor's grout or a textured desk."""
    x, y, w, h = box
    reach = max(1, h // 2)
    y0, y1, x0, x1 = max(0, y - reach), y + h + reach, max(0, x - reach), x + w + reach
    ring = labels[y0:y1, x0:x1] != label
    return float(ink[y0:y1, x0:x1][ring].mean()) <= RING_INK_MOST


def holds(quad: np.ndarray, row: np.ndarray) -> bool:
    """Whether ``quad`` holds every corner of ``row`` (a box round a row of writing, as
    ``windows`` gives it)."""
    outline = quad.astype(np.float32).reshape(-1, 1, 2)
    return all(cv2.pointPolygonTest(outline, (float(x), float(y)), False) > 0 for x, y in row)
