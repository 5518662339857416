"""Writing just past a plain card's side: a digit there in two pieces stacked in one column (a 1's
flag apart from its stem, a digit with a stroke broken across) is judged as the one mark it is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("torch")

TALL = 80  # the card's digits' height in the strip, in pixels


def strip_with(digit: np.ndarray, cut: tuple[float, float] | None, keep_top: bool = True) -> np.ndarray:
    """The strip ``_a_digit_in`` looks at past a card's right side: paper, the digits' row with
    ``ABOVE`` of a digit's height above and below it, and ``digit`` (MNIST's, white on black)
    written in the row as tall as the card's digits. ``cut`` rubs out that band of its height;
    without ``keep_top`` the part above the band is rubbed out too."""
    from edgecam.edge.digits.past_the_edge import ABOVE, REACH

    above = round(ABOVE * TALL)
    ink = np.zeros((TALL + 2 * above, round(REACH * TALL)), np.float32)
    ys, xs = np.nonzero(digit > 40)
    glyph = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    width = max(4, round(glyph.shape[1] * TALL / glyph.shape[0]))
    glyph = cv2.resize(glyph, (width, TALL), interpolation=cv2.INTER_CUBIC)
    if cut is not None:
        top = cut[0] if keep_top else 0.0  # without the top, rubbed out from the digit's top down
        glyph[round(top * TALL) : round(cut[1] * TALL)] = 0
    left = (ink.shape[1] - width) // 2
    ink[above : above + TALL, left : left + width] = glyph
    rng = np.random.default_rng(int(digit.sum()))
    paper = 200 - 0.55 * np.clip(ink, 0, 255) + rng.normal(0, 2, ink.shape)
    return np.clip(cv2.GaussianBlur(paper, (3, 3), 0), 0, 255).astype(np.uint8)


def test_a_digit_in_two_stacked_pieces_past_a_cards_side_is_one_mark_and_its_lower_piece_alone_none(fp32_export, mnist):
    from edgecam.edge.digits.model import DigitModel
    from edgecam.edge.digits.past_the_edge import _a_digit_in

    model = DigitModel(str(fp32_export[0]))
    first = zip(mnist.test_images[:400], mnist.test_labels[:400], strict=True)
    ones_and_sevens = [image for image, label in first if label in (1, 7)]
    seen_whole = [d for d in ones_and_sevens if _a_digit_in(strip_with(d, None), TALL, outer_left=False, model=model)]
    assert len(seen_whole) >= 0.8 * len(ones_and_sevens), (len(seen_whole), len(ones_and_sevens))
    # A band rubbed out a third of the way down: two pieces, the upper one too short to be a digit
    # and the lower one starting well below the row's top.
    in_two = sum(_a_digit_in(strip_with(d, (0.3, 0.36)), TALL, outer_left=False, model=model) for d in seen_whole)
    lower_alone = sum(
        _a_digit_in(strip_with(d, (0.3, 0.36), keep_top=False), TALL, outer_left=False, model=model) for d in seen_whole
    )
    assert in_two >= 0.8 * len(seen_whole), (in_two, len(seen_whole))
    assert lower_alone == 0, lower_alone
