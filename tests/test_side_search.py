"""A plain card whose outline has a gap, found by its four straight sides; and no card made of
the straight lines of a desk with none on it."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.paper_search import search_of
from edgecam.edge.digits.side_search import quad_by_sides
from tests.finder_tuning_scenes import scene
from tests.paper_search_scores import a_card_in_view, searched


def test_a_card_lit_across_its_desks_shade_is_found_by_its_straight_sides():
    # Light falling off across the card takes its paper from brighter than the desk at one end to
    # darker at the other: in between, card and desk are equally bright and only the thin shade
    # the card's edge casts on the desk tells them apart. The regions the edges enclose run from
    # card to desk there, so no shape is the card: 1 of these 20 was found before the search by
    # straight sides, 19 with it.
    rng = np.random.default_rng(12)
    ys, xs = np.mgrid[:480, :640].astype(np.float32)
    found = {"whole": 0, "misplaced": 0, "none": 0}
    for _ in range(20):
        level = rng.uniform(110, 170)
        corners, card = a_card_in_view(rng)
        turn = rng.uniform(0, 2 * np.pi)
        centre = corners.mean(axis=0)
        across = ((xs - centre[0]) * np.cos(turn) + (ys - centre[1]) * np.sin(turn)) / 150
        paper = level * (1 + rng.uniform(0.1, 0.15) * np.clip(across, -1, 1))
        cv2.putText(paper, str(int(rng.integers(10, 99))), (int(centre[0] - 70), int(centre[1] + 40)), 0, 3, 30, 8)
        picture = np.where(card > 0, paper, level)
        rim = np.zeros(card.shape, np.float32)  # the edge's shade: 2 px, 10 % darker
        cv2.polylines(rim, [np.round(corners * 16).astype(np.int32)], True, 1.0, 2, cv2.LINE_AA, shift=4)
        picture *= 1 - 0.1 * cv2.GaussianBlur(rim, (0, 0), 0.8)
        found[searched(picture, corners, rng)] += 1
    assert found["whole"] >= 18 and found["misplaced"] == 0, found


def test_no_card_is_made_of_the_straight_lines_of_an_empty_desk():
    # Tiles' grout, planks' seams, a print's lines and stone's veins are straight edges that meet
    # at corners; the quads they make are no plain card outlined from its desk.
    rng = np.random.default_rng(2)
    kinds = set()
    for _ in range(100):
        shot = scene(rng, with_card=False)
        kinds.add(shot.desk)
        search = search_of(shot.grey)
        assert quad_by_sides(search.small, search.least, search.at_least, search.edge_low) is None, shot.desk
    assert kinds == {"tabletop", "stone", "planks", "print", "tiles"}
