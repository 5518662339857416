"""Writing that goes on past a plain card's side: the card found is only part of a card.

A hard shadow that falls on the card alone (a hand or a phone held over it) cuts the card into a
lit part and a shaded one. The lit part is a bright four-sided shape of its own, and where the
shaded paper is about as bright as the desk, the card's edge does not go on from it plainly
enough for the search to tell: it may take the lit part for the card. The reader then reads the
digits in it, sure of each, and the card reads a digit or two short. What gives it away is the
rest of the writing, just past the side the shadow drew: a mark in line with the digits read (its
top and bottom level with theirs), on paper with little else on it (no desk's texture), that the
model reads as a digit. A pen, a key or a phone's edge beside a card is seldom level with its
writing at both ends. A digit there may be in pieces (a 1's flag apart from its stem, a 4 drawn
in two strokes): pieces stacked in one column are also judged as one mark.
"""

from __future__ import annotations

import numpy as np

from edgecam.edge.digits import card_layout as layout
from edgecam.edge.digits.blobs import blobs
from edgecam.edge.digits.card_find import CardView
from edgecam.edge.digits.model import DigitModel
from edgecam.edge.digits.reader import Reading, ink_map, ink_mask, mnist_crop
from edgecam.edge.digits.segment import join_overlapping_columns

REACH = 1.2  # digit heights past the card's left and right sides that are looked at
GAP = 0.1  # digit heights: from this far past the side, so the card's own edge is no mark
ABOVE = 0.35  # digit heights above and below the digits' row: a mark in that row is whole there
TALL = 0.6  # a mark at least this share of the digits' height,
LEVEL = 0.2  # digit heights: its top and bottom this close to the digits' row's,
WIDE = (0.1, 1.5)  # and between these shares of it wide,
BUSY = 0.15  # with no more than this share of the strip inked besides (a desk's texture is busier),
SURE = 0.8  # that the model reads as a digit this surely
PIECE = 0.25  # digit heights: a blob this tall or wide may be a piece of a digit in pieces


def writing_past_the_edge(card: CardView, grey: np.ndarray, reading: Reading, model: DigitModel) -> bool:
    """Whether a digit is written just past the left or right side of ``card`` (a plain card read
    as ``reading``, its digits' boxes in ``card.upright``'s picture), in the row of those digits."""
    if not reading.digits:
        return False
    scale = card.scale()
    # The digits' row and height in the card's plane.
    tall = float(np.median([d.box[3] for d in reading.digits])) / scale
    top = card.read.y + min(d.box[1] for d in reading.digits) / scale - ABOVE * tall
    bottom = card.read.y + max(d.box[1] + d.box[3] for d in reading.digits) / scale + ABOVE * tall
    whole = card.whole()
    for left in (-(GAP + REACH) * tall, whole.w + GAP * tall):
        strip = card.plane_picture(grey, layout.Rect(left, top, REACH * tall, bottom - top), scale)
        if _a_digit_in(strip, tall * scale, outer_left=left < 0, model=model):
            return True
    return False


def _a_digit_in(strip: np.ndarray, tall: float, outer_left: bool, model: DigitModel) -> bool:
    """Whether ``strip`` (the digits' row with ``ABOVE`` of a digit's height above and below it)
    holds a mark ``tall`` pixels high or nearly, level with the row at top and bottom, clear of
    the strip's outer end (the end away from the card), alone on plain paper, that reads as a
    digit."""
    ink = ink_map(strip)
    mask = ink_mask(ink)
    height, width = mask.shape
    inked = np.count_nonzero(mask)
    row_top, row_bottom = ABOVE * tall, height - ABOVE * tall
    for x, y, w, h, area in _marks(mask, tall):
        outer = x <= 0 if outer_left else x + w >= width
        if outer or y <= 0 or y + h >= height or h < TALL * tall or not WIDE[0] * tall <= w <= WIDE[1] * tall:
            continue
        if abs(y - row_top) > LEVEL * tall or abs(y + h - row_bottom) > LEVEL * tall:
            continue
        if inked - area > BUSY * mask.size:
            continue
        if model.probabilities(mnist_crop(ink, (x, y, w, h))[None]).max() >= SURE:
            return True
    return False


def _marks(mask: np.ndarray, tall: float) -> list[np.ndarray]:
    """The marks in ``mask`` that may be a digit ``tall`` pixels high, as (x, y, w, h, inked
    pixels): the blobs ``TALL`` of it or taller, and each pair of pieces (blobs ``PIECE`` of it or
    more) stacked in one column, as one mark. Specks are no pieces: grain above a digit would lift
    its top out of the row. Only pairs: on a page of print, a column of three letters or more
    joined into a mark the model read as a digit."""
    count, _, stats = blobs(mask)
    stats = stats[1:count]
    found = list(stats[stats[:, 3] >= TALL * tall])
    big = stats[np.maximum(stats[:, 2], stats[:, 3]) >= PIECE * tall]
    if len(big) < 2:
        return found
    pieces = sorted(big.tolist())
    joined, heights = join_overlapping_columns([piece[:4] for piece in pieces])
    for (x, y, w, h), parts in zip(joined, heights, strict=True):
        if len(parts) == 2:
            inside = [piece[4] for piece in pieces if x <= piece[0] and piece[0] + piece[2] <= x + w]
            found.append(np.array([x, y, w, h, sum(inside)]))
    return found
