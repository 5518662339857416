"""A card washed out to white with its desk is read round its writing, when that writing is alone
on white; a stroke the light half washed away, or anything else beside the writing, leaves it
unread."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.washed_paper import washed_quad


def _white_with_a_row(grey_level: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """A picture at the sensor's white with a row of three dark strokes, and the row's corners."""
    picture = np.full((480, 640), 255, np.uint8)
    for x in (260, 300, 340):
        cv2.line(picture, (x, 220), (x + 12, 260), grey_level, 4)
    row = np.array([[258, 218], [354, 218], [354, 262], [258, 262]], np.float32)
    return picture, row


def test_a_row_alone_on_white_is_read_in_a_box_round_it():
    picture, row = _white_with_a_row()
    quad = washed_quad(picture, row)
    assert quad is not None
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    # The box holds the row (the blur grows its strokes a pixel or two) and reaches half the row's
    # height past it, no farther.
    assert x0 < 258 and y0 < 218 and x1 > 354 and y1 > 262
    assert x1 - x0 < 96 + 60 and y1 - y0 < 44 + 60


def test_a_digit_written_apart_from_the_row_is_taken_in():
    picture, row = _white_with_a_row()
    cv2.circle(picture, (420, 240), 16, 90, 4)  # a 0 farther along than the row's joining reaches
    quad = washed_quad(picture, row)
    assert quad is not None and quad[:, 0].max() > 436


def test_a_faint_stroke_beside_the_row_leaves_it_unread():
    # What is left of a pen the light washed out (a 7 as its stem) may read as another digit.
    picture, row = _white_with_a_row()
    cv2.line(picture, (230, 222), (236, 258), 225, 2)
    assert washed_quad(picture, row) is None


def test_the_edge_of_something_dark_beside_the_row_leaves_it_unread():
    # A hand, a card's visible side or the desk: the writing is not alone on white.
    picture, row = _white_with_a_row()
    cv2.rectangle(picture, (380, 150), (640, 330), 120, -1)
    assert washed_quad(picture, row) is None


def test_grain_on_the_white_is_no_stroke():
    picture, row = _white_with_a_row()
    noisy = np.clip(picture + np.random.default_rng(3).normal(0, 9, picture.shape), 0, 255).astype(np.uint8)
    assert washed_quad(noisy, row) is not None


def test_an_over_exposed_card_on_a_pale_desk_is_read_round_its_writing(read_whole_frame, mnist, monkeypatch):
    """Our own desks and exposure (not the held-out camera's): a pale tabletop and its card clipped
    to white together, the card's edge gone."""
    from edgecam.edge.digits import washed_paper
    from tests.finder_tuning_scenes import scene
    from tests.reading_outcome import outcome

    def outcomes() -> list[str]:
        rng, found = np.random.default_rng(31), []
        for _ in range(60):
            shot = scene(rng, handwriting=(mnist.train_images[:20000], mnist.train_labels[:20000]), desk="tabletop")
            grey = np.clip(shot.grey * 1.8 + rng.normal(0, 3, shot.grey.shape), 0, 255).astype(np.uint8)
            found.append(outcome(read_whole_frame(grey)[0], shot.text))
        return found

    with_washed = outcomes()
    monkeypatch.setattr(washed_paper, "washed_quad", lambda grey, row: None)
    without = outcomes()
    assert with_washed.count("exact") >= without.count("exact") + 10, (with_washed, without)
    assert with_washed.count("wrong") <= without.count("wrong") + 1, (with_washed, without)


def test_the_one_dark_piece_of_a_digit_the_light_washed_out_is_not_read_as_the_digit():
    """A 0 washed out but for its bottom: that dark arc alone reads as a 1, and the faint rest of
    the 0 round it is no mark apart from it, but a mark far taller than it."""
    from edgecam.edge.digits.reader import ink_level, ink_map, ink_mask
    from edgecam.edge.digits.segment import ReaderSettings, digit_boxes, faint_marks

    def marks(dark_arc: tuple[int, int]) -> tuple[list, bool]:
        paper = np.full((100, 300), 235, np.uint8)
        # The 0, faint, and apart from the dark arc the light left of it (faint strokes joined to a
        # dark one are taken in with it).
        cv2.ellipse(paper, (150, 50), (26, 44), 0, 160, 380, 225, 2)
        cv2.ellipse(paper, (150, 50), (26, 44), 0, *dark_arc, 60, 3)
        ink = ink_map(paper)
        level = ink_level(ink)
        boxes = digit_boxes(ink_mask(ink, level), paper.shape, ReaderSettings())
        return boxes, faint_marks(ink, boxes, ReaderSettings(), level)

    bottom, doubted = marks((40, 140))
    assert len(bottom) == 1 and bottom[0][3] < 25 and doubted, (bottom, doubted)
    whole, doubted = marks((0, 360))  # the whole 0 dark: the faint ring under it is no more than it
    assert len(whole) == 1 and whole[0][3] > 85 and not doubted, (whole, doubted)
