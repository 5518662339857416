"""A blob of ink wider than tall: two digits that touch, or one digit written broad."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edgecam.edge.digits.reader import cut_digits, ink_mask
from edgecam.edge.digits.segment import halves
from tests.pencil_on_paper import on_paper
from tests.reading_outcome import outcome

pytest.importorskip("torch")


def test_two_digits_written_so_close_that_they_touch_are_not_read_as_one(reader, mnist):
    # Two of MNIST's training digits, the second begun 14-19 of the first's 28 columns along, so
    # that about a third of the pairs run into one blob; the model reads many such blobs as one
    # digit it is sure of, and the card would read a digit short.
    rng = np.random.default_rng(8)
    outcomes = []
    for _ in range(1000):
        first, second = rng.integers(0, 20000, 2)
        shift = int(rng.integers(14, 20))
        ink = np.zeros((28, 60), np.float32)
        ink[:, 4:32] = mnist.train_images[first]
        ink[:, 4 + shift : 32 + shift] = np.maximum(ink[:, 4 + shift : 32 + shift], mnist.train_images[second])
        reading = reader.read(on_paper(cv2.resize(ink, None, fx=3.5, fy=3.5), 10, rng))
        text = f"{mnist.train_labels[first]}{mnist.train_labels[second]}"
        outcomes.append(outcome(reading, text))
    wrong, exact = outcomes.count("wrong"), outcomes.count("exact")
    # Without the halves check (`DigitReader._two_in_one`), six models read 56-89 of these pairs
    # wrong: the test's recipe with and without training's smear (two seeds), and two 12-epoch
    # ones. With it, 12-23 wrong and 652-671 exact. On 400 pairs two quick trainings read 4 and 10
    # wrong: too few pairs to tell a model's chance from the check.
    assert wrong <= 30 and exact >= 600, (wrong, exact)


def test_a_digit_written_broad_is_read_as_one_digit(reader, mnist):
    # MNIST's 2s, 5s and 7s stretched to twice their width, more than 1.5 times wider than tall: a
    # broad hand, not two digits run together. Their halves are strokes, not digits.
    rng = np.random.default_rng(4)
    picks = rng.choice(np.flatnonzero(np.isin(mnist.train_labels, (2, 5, 7))), 120, replace=False)
    outcomes = []
    for index in picks:
        ink = cv2.resize(mnist.train_images[index].astype(np.float32), None, fx=7.0, fy=3.5)
        reading = reader.read(on_paper(ink, 33, rng))
        text = str(mnist.train_labels[index])
        outcomes.append(outcome(reading, text))
    wrong, exact = outcomes.count("wrong"), outcomes.count("exact")
    # 36 exact before, every such blob called "digits run together"; 62-64 now (three models
    # trained short as this one is, and a 12-epoch one), none wrong.
    assert wrong <= 2 and exact >= 52, (wrong, exact)


def test_a_zero_written_wide_is_read_as_one_digit(reader, mnist):
    # MNIST's 0s stretched to 1.3-1.8 times their width. Cut at its thinnest column, a wide 0 is
    # two arcs the model may read as two digits it is sure of, or either as a digit at all; but
    # the cut runs through its loop, which two digits that touch do not share.
    rng = np.random.default_rng(5)
    picks = rng.choice(np.flatnonzero(mnist.train_labels == 0), 120, replace=False)
    outcomes = []
    for index in picks:
        ink = cv2.resize(mnist.train_images[index].astype(np.float32), None, fx=3.5 * rng.uniform(1.3, 1.8), fy=3.5)
        outcomes.append(outcome(reader.read(on_paper(ink, 20, rng)), "0"))
    # With the test's model (2026-12-05): 78 exact before a loop cut across was one digit, the
    # rest "digits run together"; 116 after. The test's model trained again (on one thread or
    # two, before and after the grain measure's 5 x 5 median changed its training crops): 101-111.
    assert outcomes.count("exact") >= 95 and outcomes.count("wrong") == 0, outcomes


def test_an_open_4_written_broad_is_one_digit_not_two_that_touch(reader, mnist):
    # MNIST's 4s stretched to 1.3-1.8 times their width. Cut at its thinnest column, an open 4 is
    # its short arm and its upright, which the model may read as a 6 and a 1 it is sure of ("two
    # digits may touch"). Two digits that touch are each nearly as tall as the blob they make: of
    # the pairs above that the check stopped (157, read by the docs' model), the shorter part is
    # under 0.6 of the blob in 1.
    rng = np.random.default_rng(11)
    picks = rng.choice(np.flatnonzero(mnist.test_labels == 4), 300, replace=False)
    cut, outcomes = 0, []
    for index in picks:
        ink = cv2.resize(mnist.test_images[index].astype(np.float32), None, fx=3.5 * rng.uniform(1.3, 1.8), fy=3.5)
        grey = on_paper(ink, 20, rng)
        inked, boxes, _ = cut_digits(grey, reader.settings)
        cut += sum(halves(ink_mask(inked), box, reader.settings) is not None for box in boxes)
        outcomes.append(outcome(reader.read(grey), "4"))
    # With parts down to half the blob's height, 160 were cut in two; now 103. Read exactly: 240
    # before and 250 now with the test's model (2026-12-07), 246 and 256 with the docs' model.
    assert cut <= 120, cut
    assert outcomes.count("wrong") <= 3 and outcomes.count("exact") >= 230, outcomes
