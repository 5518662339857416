"""The digit reader on cards with a hand or a shadow over part of them (real MNIST digits on
generated paper): the patch's edge is no ink, and a digit half under it is no digit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.reading_outcome import outcome
from tests.test_cover_ring import hand_over_corner
from tests.test_swallowed_ends import hand_from

pytest.importorskip("torch")

from edgecam.edge.scenes.cards import make_card


def test_a_hard_shadow_across_the_digits_is_light_not_a_hand(reader, mnist):
    # Shadows the reader was tuned on: sharp edges through the card (the finder's tuning scenes,
    # written with MNIST's training digits). The same scenes without the shadow are the yardstick.
    from tests.finder_tuning_scenes import scene, upright

    outcomes: dict[bool, list[str]] = {False: [], True: []}
    for hard in (False, True):
        for seed in (4, 9):
            rng = np.random.default_rng(seed)
            for _ in range(200):
                shot = scene(rng, hard_shadow=hard, handwriting=(mnist.train_images, mnist.train_labels))
                reading = reader.read(upright(shot.grey, shot.corners))
                outcomes[hard].append(outcome(reading, shot.text))
    exact = {hard: readings.count("exact") for hard, readings in outcomes.items()}
    # With the test's recipe: 274 exact with the shadow against 326 without (0.84) while the
    # shadow's edge, smoothed by the paper estimate, was ink beside the digits; 299 (0.92) now
    # that it is not, and a digit going on past the edge shows the shadow is light.
    assert exact[True] >= 0.86 * exact[False], exact
    assert outcomes[True].count("wrong") <= 2, outcomes[True].count("wrong")


@pytest.mark.parametrize("shade", [0.81, 0.82])
def test_a_faint_shadows_edge_beside_the_digits_is_no_faint_mark(reader, mnist, shade):
    # A shadow too faint to be taken for a dark patch still leaves its sharp edge in the ink map
    # as a faint line, as tall as the card, apart from the digits. It is darker than the paper on
    # one side only, so it is no mark: each card reads as it does with no shadow at all.
    ys, xs = np.mgrid[:160, :400].astype(np.float32)
    faint, same = 0, 0
    for k in range(12):
        rng = np.random.default_rng(k)
        paper = np.full((160, 400), 215, np.float32)
        for slot in range(3):
            digit = cv2.resize(mnist.test_images[3 * k + slot], (84, 84)).astype(np.float32) / 255
            paper[38:122, 20 + 80 * slot : 104 + 80 * slot] *= 1 - 0.8 * digit
        noise = rng.normal(0, 2, paper.shape)
        top, bottom = rng.uniform(290, 380, 2)  # the edge crosses the card past the digits
        edge = top + (bottom - top) * ys / 159
        shadowed = paper * (1 - (1 - shade) * np.clip(0.5 + (xs - edge) / 2, 0, 1))
        unshaded, shaded = (reader.read(np.clip(p + noise, 0, 255).astype(np.uint8)) for p in (paper, shadowed))
        faint += shaded.reason == "a faint mark may be a digit"
        same += (shaded.text, shaded.reason) == (unshaded.text, unshaded.reason)
    # Before the two-sided test (the twenty-fifth pass's model): 7 of 12 at 0.81 and 10 at 0.82
    # read "a faint mark".
    assert faint == 0 and same == 12, (faint, same)


def test_a_hard_shadows_edge_just_below_the_digits_leaves_the_card_read(reader, mnist):
    # A shadow over the card's lower part, its sharp edge one to two clearances below the digits:
    # no digit shows inside it, so it cannot be told light from a hand that way, but nothing
    # beside the digits is under it where a digit could hide, and no stroke runs into it.
    ys, xs = np.mgrid[:120, :360].astype(np.float32)
    outcomes, plain = [], []
    for k in range(40):
        rng = np.random.default_rng(k)
        paper = np.full((120, 360), 210, np.float32) * np.linspace(0.95, 1.04, 360)[None, :]
        lowest, text = 0, ""
        for slot in range(3):
            digit = cv2.resize(mnist.test_images[3 * k + slot], (64, 64)).astype(np.float32) / 255
            paper[16:80, 60 + 80 * slot : 124 + 80 * slot] *= 1 - 0.8 * digit
            lowest = max(lowest, 16 + int(np.nonzero(digit.max(axis=1) > 0.2)[0].max()))
            text += str(mnist.test_labels[3 * k + slot])
        noise = rng.normal(0, 2, paper.shape)
        tilt = rng.uniform(-0.04, 0.04)
        edge = lowest + rng.uniform(7, 12) + tilt * (xs - 180) - abs(tilt) * 180
        shaded = paper * (1 - (1 - rng.uniform(0.45, 0.65)) * np.clip(0.5 + (ys - edge) / 1.5, 0, 1))
        plain.append(outcome(reader.read(np.clip(paper + noise, 0, 255).astype(np.uint8)), text))
        outcomes.append(outcome(reader.read(np.clip(shaded + noise, 0, 255).astype(np.uint8)), text))
    # With the test's model (2026-12-05): 35 exact with no shadow; with it, none before a patch
    # with no digit inside was read as light when nothing could hide under it, 21 now.
    assert outcomes.count("exact") >= 15 and outcomes.count("wrong") == 0, (outcomes, plain.count("exact"))


def _read_with_a_hand_over_the_last_digit(reader, mnist, rng, shown: float, cards: int = 60) -> list[str]:
    """Outcomes of ``cards`` three-digit cards with an opaque skin-toned hand over the card's right
    end, from ``shown`` of the way across its last digit."""
    outcomes = []
    for _ in range(cards):
        card = make_card(mnist.test_images, mnist.test_labels, rng, count=3, margin=0.08)
        x, _, w, _ = card.boxes[-1]
        image = hand_from(card.image, x + int(shown * w), rng)
        outcomes.append(outcome(reader.read(image), card.text))
    return outcomes


def test_a_hand_over_half_a_digit_makes_the_card_unsure(reader, mnist):
    outcomes = _read_with_a_hand_over_the_last_digit(reader, mnist, np.random.default_rng(3), 0.5)
    # With the test's model (2026-12-04) 50 are unsure, 9 read right (half the digit was enough) and
    # 1 wrong: a thin 1 half under the hand vanishes whole, and its card reads one digit short.
    assert outcomes.count("unsure") >= 50 and outcomes.count("wrong") <= 2, outcomes


def test_a_hand_over_most_of_a_digit_is_more_often_unsure_than_wrong(reader, mnist):
    # What shows of the last digit is a sliver beside the hand: its strokes run into the hand's
    # edge, and the card is unsure. Still a known weakness (docs/benchmarks.md, thirty-first
    # pass): where no patch is found in the light's fall-off, or the hand is still taken for a
    # shadow, the sliver reads as a digit, or vanishes and the card reads a digit short.
    outcomes = [
        seen
        for seed in (3, 4)
        for seen in _read_with_a_hand_over_the_last_digit(reader, mnist, np.random.default_rng(seed), 0.3)
    ]
    # With the test's model: 27 of 120 wrong before strokes running under the hand were looked
    # for, 16 after, 13 since the patch gives back a sliver it took in.
    assert outcomes.count("wrong") <= 15, outcomes.count("wrong")


def test_a_hand_over_a_corner_clear_of_the_digits_leaves_no_ring_of_ink(reader, mnist):
    # The hand's edge shows in the flattened picture as a ring of "ink", inside its patch as well
    # as outside: what is left of it read as a mark, or as something reaching in beside a digit.
    same = 0
    for k in range(24):
        rng = np.random.default_rng(k)
        paper = np.full((90, 300), 205, np.float32) * np.linspace(0.92, 1.05, 300)[None, :]
        corner = k % 4
        hand = hand_over_corner(paper.shape, corner, rng)
        left = 20 if corner in (1, 2) else 200  # the digits on the other side of the card
        for slot in range(2):
            digit = cv2.resize(mnist.test_images[2 * k + slot], (44, 44)).astype(np.float32) / 255
            paper[22:66, left + 40 * slot : left + 40 * slot + 44] *= 1 - 0.8 * digit
        noise = rng.normal(0, 2, paper.shape)
        covered = paper * (1 - (1 - rng.uniform(0.35, 0.6)) * hand)
        bare, held = (reader.read(np.clip(p + noise, 0, 255).astype(np.uint8)) for p in (paper, covered))
        same += (held.text, held.reason) == (bare.text, bare.reason)
    # Before the ring was taken out inside the patch (the twenty-fifth pass's model, and the test
    # session's own): 7 of 24 read as with no hand, 14 "something covers part of the card", 3
    # "marks that are neither digits nor specks"; all 24 now.
    assert same >= 22, same
