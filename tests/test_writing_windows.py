"""A small plain card on a busy desk, which the search of the whole picture misses, is found in a
window round its writing; and no window makes a card of a desk with nothing on it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edgecam.edge.digits import writing_windows
from edgecam.edge.digits.card_find import by_paper
from tests.finder_tuning_scenes import scene
from tests.paper_search_scores import off_share


def _found(rng: np.random.Generator, desk: str, scenes: int) -> dict[str, int]:
    """Of ``scenes`` small written cards (a sixth to a quarter of the frame's width) on ``desk``,
    how many the paper search finds whole (every corner within 3 % of the card's diagonal), how
    many elsewhere (a shape whose middle is off the card), and how many not at all."""
    found = {"whole": 0, "off a corner": 0, "elsewhere": 0, "none": 0}
    for _ in range(scenes):
        shot = scene(rng, desk=desk, span=(0.15, 0.25))
        card = by_paper(shot.grey)
        if card is None:
            found["none"] += 1
        elif cv2.pointPolygonTest(shot.corners.reshape(-1, 1, 2), card.outline().mean(axis=0), False) < 0:
            found["elsewhere"] += 1
        else:
            found["whole" if off_share(card, shot.corners) < 0.03 else "off a corner"] += 1
    return found


@pytest.mark.parametrize("desk", ["print", "stone"])
def test_a_small_card_on_a_busy_desk_is_found_in_a_window_round_its_writing(desk, monkeypatch):
    # On a page of print or speckled stone a small card's sides are few pixels among many edges,
    # and the whole picture's levels are the desk's: of these 40 cards (2026-12-05) the whole
    # picture's search found 12 on print and 27 on stone; with the windows, 17 and 31.
    with_windows = _found(np.random.default_rng(31), desk, 40)
    monkeypatch.setattr(writing_windows, "windows", lambda small, step: [])
    without = _found(np.random.default_rng(31), desk, 40)
    assert with_windows["whole"] >= without["whole"] + 3, (with_windows, without)
    assert with_windows["elsewhere"] == without["elsewhere"] == 0, (with_windows, without)


def test_no_window_round_a_desks_own_marks_makes_a_card_of_it():
    # A page's letters, stone's speckles and tiles' grout are dark marks a window is put round;
    # the card the search may find there must hold the writing, which a desk's own shapes do not.
    rng = np.random.default_rng(2)
    for _ in range(100):
        shot = scene(rng, with_card=False)
        if shot.desk != "tiles":  # a tile may pass for a blank card, windows or not
            assert by_paper(shot.grey) is None, shot.desk
