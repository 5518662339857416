"""A card whose edge is lost in its desk is read round its writing, when that writing is alone on
white, or alone on its paper of any shade; a stroke the light half washed away, another stroke
beside the writing on white or something dark beside it on any paper, leaves it unread."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edgecam.edge.digits.lone_writing import lone_quad


def _white_with_a_row(grey_level: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """A picture at the sensor's white with a row of three dark strokes, and the row's corners."""
    picture = np.full((480, 640), 255, np.uint8)
    for x in (260, 300, 340):
        cv2.line(picture, (x, 220), (x + 12, 260), grey_level, 4)
    row = np.array([[258, 218], [354, 218], [354, 262], [258, 262]], np.float32)
    return picture, row


def test_a_digit_written_apart_from_the_row_is_taken_in():
    picture, row = _white_with_a_row()
    cv2.circle(picture, (420, 240), 16, 90, 4)  # a 0 farther along than the row's joining reaches
    quad = lone_quad(picture, [row])
    assert quad is not None and quad[:, 0].max() > 436


def test_a_faint_stroke_beside_the_row_leaves_it_unread():
    # What is left of a pen the light washed out (a 7 as its stem) may read as another digit.
    picture, row = _white_with_a_row()
    cv2.line(picture, (230, 222), (236, 258), 225, 2)
    assert lone_quad(picture, [row]) is None


def test_the_edge_of_something_dark_beside_the_row_leaves_it_unread():
    # A hand, a card's visible side or the desk: the writing is not alone on white.
    picture, row = _white_with_a_row()
    cv2.rectangle(picture, (380, 150), (640, 330), 120, -1)
    assert lone_quad(picture, [row]) is None


def test_a_broad_pale_patch_of_the_desk_beside_the_row_is_no_stroke():
    # A pale checked cloth's square, all but washed out: no pen draws so broad a line.
    picture, row = _white_with_a_row()
    picture[200:270, 380:450] = 232
    assert lone_quad(picture, [row]) is not None


def test_a_pale_line_wholly_below_the_row_is_no_part_of_its_digits():
    picture, row = _white_with_a_row()
    cv2.line(picture, (250, 300), (360, 300), 225, 2)  # the desk's pale seam, or a card's bottom edge
    assert lone_quad(picture, [row]) is not None


def _shaded_card_with_a_row() -> tuple[np.ndarray, np.ndarray]:
    """A pale desk at the sensor's white and a card on it whose left part, where the row is
    written, lies in a shadow: the lit part and the desk are one white."""
    picture, row = _white_with_a_row(grey_level=60)
    shade = np.full((480, 640), 255, np.uint8)
    shade[140:340, 180:380] = 180
    picture = np.minimum(picture, shade)
    return picture, row


@pytest.mark.parametrize("picture_with_a_row", [_white_with_a_row, _shaded_card_with_a_row], ids=["white", "shade"])
def test_a_row_alone_is_read_in_a_box_round_it(picture_with_a_row):
    picture, row = picture_with_a_row()
    quad = lone_quad(picture, [row])
    assert quad is not None
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    # The box holds the row (the blur grows its strokes a pixel or two) and reaches half the row's
    # height past it, no farther.
    assert x0 < 258 and y0 < 218 and x1 > 354 and y1 > 262
    assert x1 - x0 < 96 + 60 and y1 - y0 < 44 + 60


def test_a_digit_written_apart_on_a_card_in_shade_is_taken_in():
    picture, row = _shaded_card_with_a_row()
    cv2.circle(picture, (415, 240), 16, 60, 4)  # a 0 past the shadow, on the lit part
    quad = lone_quad(picture, [row])
    assert quad is not None and quad[:, 0].max() > 431


def test_a_small_row_in_shade_is_left_unread():
    # With no edge of the card in sight, a row this low is more often a fragment of the number,
    # or print on something beside the card, than the number.
    picture = np.full((480, 640), 255, np.uint8)
    picture[140:340, 180:380] = 180
    for x in (260, 280, 300):
        cv2.line(picture, (x, 230), (x + 6, 250), 60, 3)
    row = np.array([[258, 228], [308, 228], [308, 252], [258, 252]], np.float32)
    assert lone_quad(picture, [row]) is None


def test_something_dark_beside_a_row_in_shade_leaves_it_unread():
    # A hand or a dark desk beside the writing: the number may go on under it.
    picture, row = _shaded_card_with_a_row()
    picture[170:330, 395:470] = 70
    assert lone_quad(picture, [row]) is None


def test_a_coin_or_a_pen_alone_on_white_is_no_writing():
    picture = np.full((480, 640), 255, np.uint8)
    cv2.circle(picture, (300, 240), 22, 70, -1)  # ink as thick as the mark is tall: no pen's stroke
    assert lone_quad(picture, [np.array([[278, 218], [322, 218], [322, 262], [278, 262]], np.float32)]) is None
    picture = np.full((480, 640), 255, np.uint8)
    cv2.line(picture, (300, 200), (310, 280), 40, 8)  # one straight bar: a pen as often as a 1
    assert lone_quad(picture, [np.array([[295, 196], [315, 196], [315, 284], [295, 284]], np.float32)]) is None


def test_one_mark_alone_in_shade_is_no_writing():
    # With no edge of the card in sight, one mark on a desk's paper is a thing on the desk as
    # often as a digit; on white the same mark is read, as before.
    picture = np.full((480, 640), 255, np.uint8)
    cv2.circle(picture, (300, 240), 20, 60, 4)  # a 0
    row = np.array([[278, 218], [322, 218], [322, 262], [278, 262]], np.float32)
    assert lone_quad(picture, [row]) is not None
    picture = np.minimum(picture, 180)
    assert lone_quad(picture, [row]) is None


def test_grain_on_the_white_is_no_stroke():
    picture, row = _white_with_a_row()
    noisy = np.clip(picture + np.random.default_rng(3).normal(0, 9, picture.shape), 0, 255).astype(np.uint8)
    assert lone_quad(noisy, [row]) is not None


def test_an_over_exposed_card_on_a_pale_desk_is_read_round_its_writing(read_whole_frame, mnist, monkeypatch):
    """Our own desks and exposure (not the held-out camera's): a pale tabletop and its card clipped
    to white together, the card's edge gone."""
    from edgecam.edge.digits import lone_writing
    from tests.finder_tuning_scenes import scene
    from tests.reading_outcome import outcome

    def outcomes() -> list[str]:
        rng, found = np.random.default_rng(31), []
        for _ in range(60):
            shot = scene(rng, handwriting=(mnist.train_images[:20000], mnist.train_labels[:20000]), desk="tabletop")
            grey = np.clip(shot.grey * 1.8 + rng.normal(0, 3, shot.grey.shape), 0, 255).astype(np.uint8)
            found.append(outcome(read_whole_frame(grey)[0], shot.text))
        return found

    with_lone = outcomes()
    monkeypatch.setattr(lone_writing, "lone_quad", lambda grey, rows: None)
    without = outcomes()
    assert with_lone.count("exact") >= without.count("exact") + 10, (with_lone, without)
    assert with_lone.count("wrong") <= without.count("wrong") + 1, (with_lone, without)


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


def test_an_over_exposed_card_half_in_shadow_is_read_round_its_writing(read_whole_frame, mnist, monkeypatch):
    """Our own pale tabletop (not the held-out desks or camera) clipped to white with the lit part
    of a card a hard shadow falls across: the card's edge shows only along the shadow."""
    from edgecam.edge.digits import lone_writing
    from tests.finder_tuning_scenes import scene
    from tests.reading_outcome import outcome

    def outcomes() -> list[str]:
        rng, found = np.random.default_rng(31), []
        for _ in range(100):
            shot = scene(
                rng,
                hard_shadow=True,
                handwriting=(mnist.train_images[:20000], mnist.train_labels[:20000]),
                desk="tabletop",
            )
            grey = np.clip(shot.grey * 2.0 + rng.normal(0, 3, shot.grey.shape), 0, 255).astype(np.uint8)
            found.append(outcome(read_whole_frame(grey)[0], shot.text))
        return found

    with_paper = outcomes()
    monkeypatch.setattr(lone_writing, "paper_marks", lambda grey, window, box: lone_writing.NOT_ALONE)
    white_only = outcomes()
    assert with_paper.count("exact") >= white_only.count("exact") + 6, (with_paper, white_only)
    assert with_paper.count("wrong") <= white_only.count("wrong") + 1, (with_paper, white_only)


def test_things_left_on_an_empty_desk_are_not_read_as_writing(read_whole_frame, monkeypatch):
    """Our own desks with no card, a pen, a phone, a coin or a key on them, as exposed and
    over-exposed: read round themselves, a coin reads as 0 and a pen as 1."""
    from edgecam.edge.digits import lone_writing
    from tests.finder_tuning_scenes import scene, things_beside

    def texts() -> list[str]:
        rng, read = np.random.default_rng(7), []
        for _ in range(150):
            shot = scene(rng, with_card=False)
            corners = np.array([[250, 190], [390, 190], [390, 290], [250, 290]], np.float32)
            things = things_beside(shot.grey, corners + rng.uniform(-80, 80, 2).astype(np.float32), rng)
            for gain in (1.0, 1.8):
                reading = read_whole_frame(np.clip(things * gain, 0, 255).astype(np.uint8))[0]
                read += [f"{shot.desk} x{gain}: {reading.text}"] if reading.text else []
        return read

    with_lone = texts()
    monkeypatch.setattr(lone_writing, "lone_quad", lambda grey, rows: None)
    without = texts()
    assert len(with_lone) <= len(without) + 1, (with_lone, without)
