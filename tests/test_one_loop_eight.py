"""An 8 has two loops: read with one, it may be a 6 or a 9 (``edge/digits/loops.py``)."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.loops import loop_centres, one_loop_digit
from tests.pencil_on_paper import on_paper


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


def test_few_real_8s_are_taken_for_a_6_or_a_9(reader, mnist, monkeypatch):
    # MNIST's own 8s have an upper loop pinched shut, or a lower one filled in, often enough; the
    # check stops one only when the model also sees the one-loop digit in it. Read with the check
    # and without it (its level out of reach).
    from edgecam.edge.digits import reader as reader_module

    def read_8s() -> tuple[int, int]:
        rng = np.random.default_rng(12)
        picks = rng.choice(np.flatnonzero(mnist.test_labels == 8), 500, replace=False)
        exact = stopped = 0
        for index in picks:
            ink = cv2.resize(mnist.test_images[index].astype(np.float32), None, fx=3.5, fy=3.5)
            reading = reader.read(on_paper(ink, 60, rng))
            exact += reading.text == "8"
            stopped += bool(reading.reason and "one loop" in reading.reason)
        return exact, stopped

    with_check = read_8s()
    monkeypatch.setattr(reader_module, "ALSO_SEEN", 2.0)
    without = read_8s()
    # The tests' 3-epoch model (2026-12-08): 472 exact without, 466 with, 6 stopped; the docs'
    # 12-epoch model stops none of them.
    assert without[1] == 0 and with_check[1] <= 12, (with_check, without)
    assert with_check[0] >= without[0] - 12, (with_check, without)
