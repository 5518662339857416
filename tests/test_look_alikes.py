"""Shapes the model reads surely and wrongly (``edge/digits/look_alikes.py``): an 8 with one loop may be
a 6 or a 9 (``edge/digits/loops.py``), a 7 the model also reads as a 1 may be a 1 with a flag, and a 6
it also reads as a 4 may be a 4 closed at the top."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edgecam.edge.digits import look_alikes
from edgecam.edge.digits.loops import loop_centres, one_loop_digit
from edgecam.edge.digits.reader import Digit
from tests.pencil_on_paper import on_paper

LABELS = [str(d) for d in range(10)]


def _strokes(draw) -> np.ndarray:
    """A digit drawn in a 10 px pen on a 60 x 100 box, as the reader's mask cuts it out: ink > 0."""
    ink = np.zeros((100, 60), np.uint8)
    draw(ink)
    ys, xs = np.nonzero(ink)
    return ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _eight(ink):
    cv2.ellipse(ink, (30, 28), (17, 18), 0, 0, 360, 255, 10)
    cv2.ellipse(ink, (30, 70), (21, 22), 0, 0, 360, 255, 10)


def _bold_six(ink):
    # The loop below, the back rising from its left, and the top curling down towards the loop
    # without closing onto it: the shape a bold typeface's 6 takes.
    cv2.ellipse(ink, (30, 68), (21, 22), 0, 0, 360, 255, 10)
    cv2.ellipse(ink, (34, 64), (25, 52), 0, 180, 270, 255, 10)
    cv2.ellipse(ink, (34, 32), (14, 20), 0, 270, 370, 255, 10)


def _nine(ink):
    cv2.ellipse(ink, (30, 30), (20, 21), 0, 0, 360, 255, 10)
    cv2.line(ink, (49, 32), (40, 94), 255, 10)


def test_a_loop_is_found_where_it_is():
    eight = loop_centres(_strokes(_eight))
    assert len(eight) == 2 and eight[0] < 0.4 < 0.6 < eight[1], eight
    assert one_loop_digit(_strokes(_eight)) is None
    assert one_loop_digit(_strokes(_bold_six)) == "6"
    assert one_loop_digit(_strokes(_nine)) == "9"


def test_a_pinhole_or_an_opening_is_no_loop():
    solid = _strokes(lambda ink: cv2.ellipse(ink, (30, 50), (20, 45), 0, 0, 360, 255, -1))
    pinholed = solid.copy()
    pinholed[40:43, 18:21] = 0  # a speck of paper in a broad stroke, 0.3 % of the box
    assert loop_centres(solid) == [] and loop_centres(pinholed) == []
    # A 0 open at the top is a cup, not a loop: its inside reaches the box's side.
    cup = _strokes(lambda ink: cv2.ellipse(ink, (30, 50), (20, 40), 0, -60, 240, 255, 10))
    assert loop_centres(cup) == []
    # A blurred 8 whose loops have filled in shows none, and is left to the model.
    assert one_loop_digit(solid) is None


def _read_mnist(reader, mnist, digit: int, reason: str) -> tuple[int, int]:
    """500 of MNIST's test digits ``digit`` in pencil on paper: read exactly, and stopped for ``reason``."""
    rng = np.random.default_rng(12)
    picks = rng.choice(np.flatnonzero(mnist.test_labels == digit), 500, replace=False)
    exact = stopped = 0
    for index in picks:
        ink = cv2.resize(mnist.test_images[index].astype(np.float32), None, fx=3.5, fy=3.5)
        reading = reader.read(on_paper(ink, 60, rng))
        exact += reading.text == str(digit)
        stopped += bool(reading.reason and reason in reading.reason)
    return exact, stopped


def test_few_real_8s_are_taken_for_a_6_or_a_9(reader, mnist, monkeypatch):
    # MNIST's own 8s have an upper loop pinched shut, or a lower one filled in, often enough; the
    # check stops one only when the model also sees the one-loop digit in it. Read with the check
    # and without it (its level out of reach).
    with_check = _read_mnist(reader, mnist, 8, "one loop")
    monkeypatch.setattr(look_alikes, "ALSO_SEEN", 2.0)
    without = _read_mnist(reader, mnist, 8, "one loop")
    # The tests' 3-epoch model (2026-12-08): 472 exact without, 466 with, 6 stopped; the docs'
    # 12-epoch model stops none of them.
    assert without[1] == 0 and with_check[1] <= 12, (with_check, without)
    assert with_check[0] >= without[0] - 12, (with_check, without)


def _read_as(digit: int, other: int, p_other: float, left: int = 0) -> Digit:
    """A digit read as ``digit``, sure at every fit, whose middle fit also sees ``other`` at ``p_other``."""
    fits = np.zeros((3, 10))
    fits[:, digit], fits[1, other], fits[1, digit] = 0.97, p_other, 0.97 - p_other
    return Digit(digit, float(fits[:, digit].min()), (left, 0, 20, 30), fits)


def test_a_7_or_a_6_is_doubted_only_when_the_model_also_sees_its_look_alike():
    def no_mask() -> np.ndarray:
        raise AssertionError("a card without an 8 needs no ink mask")

    def doubt(*found: Digit, labels=LABELS):
        return look_alikes.look_alike(found, labels, no_mask)

    assert doubt(_read_as(7, 1, 0.15)) == "digit 1 may be a 1 written with a flag"
    assert doubt(_read_as(3, 0, 0.9), _read_as(6, 4, 0.12, 30)) == "digit 2 may be a 4 closed at the top"
    assert doubt(_read_as(7, 1, 0.02), _read_as(6, 4, 0.05, 30)) is None
    # Only the pairs: many a right 1 is also seen as a 7 a little, and a 7 also seen as a 9 is no flagged 1.
    assert doubt(_read_as(1, 7, 0.15), _read_as(7, 9, 0.15, 30)) is None
    # A model whose labels have no 1 (here an "I" in its place) has nothing to doubt a 7 with.
    assert doubt(_read_as(7, 1, 0.15), labels=[*"0I23456789"]) is None


def _flagged_ones(count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """1s written with a long flag (as much of Europe writes them), smeared along a random line up to
    30 px long, as a shaken camera smears them: ink 0-255, 98 x 80."""
    ones = []
    for _ in range(count):
        ink = np.zeros((98, 80), np.float32)
        top, foot = (round(42 + rng.uniform(-6, 6)), 10), (round(38 + rng.uniform(-6, 6)), 88)
        pen = int(rng.integers(4, 9))
        length, angle = rng.uniform(18, 34), np.radians(rng.uniform(25, 55))
        flag_end = (round(top[0] - length * np.cos(angle)), round(top[1] + length * np.sin(angle)))
        cv2.line(ink, top, foot, 255, pen, cv2.LINE_AA)
        cv2.line(ink, top, flag_end, 255, pen, cv2.LINE_AA)
        half, direction = rng.uniform(1, 15), rng.uniform(0, np.pi)
        dx, dy = half * np.cos(direction), half * np.sin(direction)
        kernel = np.zeros((31, 31), np.float32)
        cv2.line(kernel, (round(15 - dx), round(15 - dy)), (round(15 + dx), round(15 + dy)), 1.0, 1)
        ones.append(cv2.filter2D(ink, -1, kernel / kernel.sum()))
    return ones


def test_a_smeared_flagged_1_read_as_7_is_unsure(reader, monkeypatch):
    def read_ones() -> tuple[int, int]:
        rng = np.random.default_rng(3)
        readings = [reader.read(on_paper(ink, 60, rng)) for ink in _flagged_ones(300, rng)]
        return sum(r.text == "7" for r in readings), sum(r.text == "1" for r in readings)

    with_check = read_ones()
    monkeypatch.setattr(look_alikes, "PAIR_SEEN", 2.0)
    without = read_ones()
    # 2026-12-08, read as 7 / as 1, with the check and without: the tests' 3-epoch model 3 / 140 and
    # 5 / 140; the docs' 12-epoch model 20 / 161 and 25 / 161. Most left are 1s whose flag, long and
    # shallow, a person might read as a 7's bar too. A 1 read as 1 is never stopped.
    assert with_check[0] < without[0] and with_check[1] == without[1], (with_check, without)


@pytest.mark.parametrize(("digit", "reason"), [(7, "written with a flag"), (6, "closed at the top")])
def test_few_real_7s_or_6s_are_taken_for_their_look_alike(reader, mnist, monkeypatch, digit, reason):
    with_check = _read_mnist(reader, mnist, digit, reason)
    monkeypatch.setattr(look_alikes, "PAIR_SEEN", 2.0)
    without = _read_mnist(reader, mnist, digit, reason)
    # 2026-12-08, right digits stopped: 7s, the tests' 3-epoch model 2 of 484, the docs' model 3 of
    # 491; 6s, 3 of 483 and 1 of 485.
    assert without[1] == 0 and with_check[1] <= 10, (with_check, without)
    assert with_check[0] >= without[0] - 10, (with_check, without)
