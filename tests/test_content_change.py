"""The digit stage's change test: a shake is no news; a new digit, or a card moved away from
where it was found, is, in dim light as in bright."""

from __future__ import annotations

import numpy as np
import pytest

from edgecam.edge.digits.content_change import ContentChange
from edgecam.edge.scenes.cards import make_card
from edgecam.edge.scenes.clip import desk


def _frame(card: np.ndarray, background: np.ndarray, at: tuple[int, int], light: float) -> np.ndarray:
    frame = background.copy()
    x, y = at
    frame[y : y + card.shape[0], x : x + card.shape[1]] = card
    return (frame[126:274, 126:394].mean(axis=2) * light).astype(np.uint8)  # where the card was found


@pytest.mark.parametrize("light", [1.0, 0.2])  # a lit desk, and one so dim the card is 40 grey levels
def test_a_shake_is_no_news_but_a_new_digit_or_a_moved_card_is(mnist, light):
    rng = np.random.default_rng(4)
    background = desk(rng)
    first, second = (make_card(mnist.test_images, mnist.test_labels, rng, size=(280, 160)).image for _ in range(2))
    change = ContentChange()
    change.seen(_frame(first, background, (120, 120), light))
    for dx, dy in [(2, -2), (-2, 1), (0, 2), (1, 1)]:  # a hand's shake: no read is needed
        assert not change(_frame(first, background, (120 + dx, 120 + dy), light))
        assert np.abs(np.subtract(change.shift, (dx, dy))).max() < 0.75, change.shift  # where it went
    assert change(_frame(second, background, (120, 120), light))  # another card
    assert change(_frame(first, background, (132, 124), light))  # the same card, moved 12 px
