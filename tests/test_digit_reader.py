"""The digit reader on cards as a camera sees them (real MNIST test digits on generated paper)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from edgecam.edge.digits.reader import WASHED_OUT, ink_level, ink_map, ink_mask, solid_strokes
from tests.conftest import run_cli
from tests.pencil_on_paper import on_paper
from tests.reading_outcome import outcome

pytest.importorskip("torch")

from edgecam.edge.scenes.cards import make_card


def test_cards_are_read_exactly_far_better_than_a_plain_resize_and_never_guessed(reader, mnist):
    rng = np.random.default_rng(11)
    cards = [make_card(mnist.test_images, mnist.test_labels, rng, margin=0.08) for _ in range(200)]
    readings = [reader.read(card.image) for card in cards]
    exact = sum(r.text == card.text for r, card in zip(readings, cards, strict=True)) / len(cards)
    unsure = [r for r in readings if r.unsure]
    wrong = len(cards) - exact * len(cards) - len(unsure)
    plain = 0
    for card in cards:  # the naive reader, even given the true boxes: invert, resize to 28x28
        grey = cv2.cvtColor(card.image, cv2.COLOR_BGR2GRAY)
        crops = np.stack([cv2.resize(255 - grey[y : y + h, x : x + w], (28, 28)) for x, y, w, h in card.boxes])
        plain += "".join(map(str, reader.model.classify(crops)[0])) == card.text
    # This model (2 epochs on 20,000 digits) is less often sure than a fully trained one: it read
    # 85 % exactly here and left 14.5 % unsure; docs/benchmarks.md has the full model's figures.
    assert exact >= 0.8, f"cards read exactly: {exact:.1%}"
    assert wrong <= 2, f"{wrong:.0f} of {len(cards)} cards read as a wrong text"  # the rest say they are unsure
    assert all(r.text is None and r.reason and r.to_dict()["unsure"] for r in unsure)
    assert plain / len(cards) < exact - 0.3


def test_blank_paper_reads_nothing(reader):
    paper = np.full((160, 320, 3), 225, np.uint8)
    paper = (paper * np.linspace(0.7, 1.0, 320)[None, :, None]).astype(np.uint8)  # uneven light, no ink
    reading = reader.read(paper)
    assert reading.text == "" and reading.digits == []


def test_specks_and_ruled_lines_are_ignored(reader, mnist):
    card = make_card(mnist.test_images, mnist.test_labels, np.random.default_rng(5), count=3, margin=0.08)
    image = card.image.copy()
    cv2.line(image, (0, 150), (319, 150), (120, 120, 120), 2)  # a ruled line under the digits
    rng = np.random.default_rng(1)
    for x, y in rng.integers(0, [320, 160], (15, 2)):
        cv2.circle(image, (int(x), int(y)), 1, (90, 90, 90), -1)  # dust
    assert reader.read(image).text == reader.read(card.image).text == card.text


@pytest.mark.parametrize("strength", [0.15, 1.0])
def test_a_faint_digit_beside_bold_ones_is_not_left_out_of_the_text(reader, mnist, strength):
    paper = np.full((160, 400), 225, np.float32)
    for slot, ink in enumerate((1.0, 1.0, 1.0, strength)):  # a thin pen, or light that washed it out
        digit = cv2.resize(mnist.test_images[slot], (84, 84)).astype(np.float32) / 255
        paper[38:122, 20 + 95 * slot : 104 + 95 * slot] *= 1 - 0.8 * ink * digit
    reading = reader.read(paper.astype(np.uint8))
    text = "".join(map(str, mnist.test_labels[:4]))
    if strength < 1:
        assert reading.unsure and reading.reason == "a faint mark may be a digit", reading.to_dict()
    else:
        assert reading.text == text


def test_a_lone_digit_in_washed_out_pencil_is_no_blank_card(reader, mnist):
    # Graphite leaves a stroke in grains; over-exposed, only specks of it stay above the paper.
    # Read as "" the card would say, with confidence, that nothing is written on it.
    rng = np.random.default_rng(2)
    digit = cv2.resize(mnist.test_images[0], (70, 70)).astype(np.float32) / 255
    grain = rng.random(digit.shape) < 0.3
    paper = np.full((100, 300), 250, np.float32)
    paper[15:85, 115:185] *= 1 - 0.06 * digit * grain
    reading = reader.read(paper.astype(np.uint8))
    assert reading.unsure and reading.reason == "a faint mark may be a digit", reading.to_dict()
    assert reader.read(np.full((100, 300), 225, np.uint8)).text == ""  # blank paper is still blank
    washed = reader.read(np.full((100, 300), 252, np.uint8))  # unless it is at the sensor's white
    assert washed.unsure and washed.reason == WASHED_OUT, washed.to_dict()


@pytest.mark.parametrize("dashes", [range(35, 125, 15), (45, 110)], ids=["dotted line", "colon"])
def test_a_dotted_line_beside_the_digits_is_no_one(reader, mnist, dashes):
    card = make_card(mnist.test_images, mnist.test_labels, np.random.default_rng(5), count=3, margin=0.08)
    image = card.image.copy()
    x = max(bx + bw for bx, _, bw, _ in card.boxes) + 12
    for y in dashes:  # spanning a digit's height, each a speck bigger than dust
        cv2.line(image, (x, y), (x, y + 6), (70, 70, 70), 3)
    reading = reader.read(image)
    assert reader.read(card.image).text == card.text
    assert reading.unsure and "pieces" in reading.reason, reading.to_dict()


def test_a_5s_flag_drawn_apart_joins_its_digit_and_a_colon_does_not():
    from edgecam.edge.digits.segment import ReaderSettings, segment

    mask = np.zeros((160, 300), np.uint8)
    cv2.line(mask, (100, 48), (100, 88), 255, 6)  # a 5's down stroke...
    cv2.ellipse(mask, (112, 108), (24, 22), 0, -130, 150, 255, 6)  # ... and its bowl
    cv2.line(mask, (132, 46), (172, 56), 255, 8)  # its flag, apart and to the right, as many write it
    cv2.line(mask, (230, 45), (230, 128), 255, 6)  # a 1
    boxes, doubt = segment(mask, mask.shape, ReaderSettings())
    assert doubt is None and len(boxes) == 2, (boxes, doubt)
    assert boxes[0][0] + boxes[0][2] >= 172  # the flag is part of the 5

    for y in (60, 100):  # a colon beside the 1: round dots, not a flag
        cv2.circle(mask, (250, y), 6, 255, -1)
    boxes, doubt = segment(mask, mask.shape, ReaderSettings())
    assert doubt is not None, boxes


def test_the_end_of_a_slanted_stroke_broken_off_joins_its_digit_and_a_mark_of_its_own_does_not():
    from edgecam.edge.digits.segment import ReaderSettings, segment

    def four_and_one() -> np.ndarray:
        mask = np.zeros((120, 300), np.uint8)
        cv2.line(mask, (80, 20), (60, 60), 255, 6)  # a 4's left stroke,
        cv2.line(mask, (60, 60), (100, 60), 255, 6)  # its bar,
        cv2.line(mask, (100, 46), (96, 88), 255, 6)  # and its right stroke, leaning right ...
        cv2.line(mask, (105, 22), (102, 38), 255, 6)  # ... whose top a thin place (blur, grain) broke off
        cv2.line(mask, (180, 20), (180, 86), 255, 6)  # a 1
        return mask

    mask = four_and_one()
    boxes, doubt = segment(mask, mask.shape, ReaderSettings())
    # The piece reaches over the 4's side by less than half its width: it was a digit of its own,
    # far shorter than the others (unsure).
    assert doubt is None and len(boxes) == 2, (boxes, doubt)
    assert boxes[0][0] + boxes[0][2] >= 108  # the piece is part of the 4

    apart = four_and_one()
    cv2.line(apart, (114, 22), (112, 38), 255, 6)  # a short mark beside the 4, clear of its columns
    boxes, doubt = segment(apart, apart.shape, ReaderSettings())
    assert doubt is not None and boxes[0][0] + boxes[0][2] <= 109, (boxes, doubt)  # the 4 without it
    below = four_and_one()
    cv2.line(below, (185, 96), (184, 108), 255, 6)  # one reaching over the 1's side, below its foot
    assert segment(below, below.shape, ReaderSettings())[1] is not None


def test_a_broad_markers_stroke_is_ink_to_its_middle_and_a_blurred_0_keeps_its_hole(reader, mnist):
    paper = np.full((160, 400), 225, np.float32)
    cv2.line(paper, (77, 40), (77, 120), 40, 34)  # a "1" a fifth of the card's height wide
    cv2.ellipse(paper, (330, 80), (30, 42), 0, 0, 360, 40, 12)  # a 0 in the same pen, thinner
    paper[:, 280:] = cv2.GaussianBlur(paper[:, 280:], (0, 0), 3)  # ... and blurred
    for slot in (1, 2):
        digit = cv2.resize(cv2.dilate(mnist.test_images[slot], np.ones((3, 3), np.uint8)), (90, 90))
        paper[35:125, 40 + 85 * slot : 130 + 85 * slot] *= 1 - 0.8 * digit.astype(np.float32) / 255
    grey = paper.astype(np.uint8)
    ink = ink_map(grey)
    plain = ink_mask(ink, ink_level(ink))
    solid = solid_strokes(grey, ink.copy(), plain.copy())
    # The paper estimate is narrower than the stroke: its middle reads as paper unless filled.
    assert (plain[45:115, 62:92] > 0).mean() < 0.95 and (solid[45:115, 62:92] > 0).mean() > 0.99
    assert not solid[70:90, 320:340].any()  # the 0's hole is lighter than its ring: still a hole
    reading = reader.read(grey)  # a bar this fat is an odd 1: the model may be unsure of it
    assert reading.unsure or reading.text == "1" + "".join(map(str, mnist.test_labels[1:3])) + "0"


def test_read_command_prints_the_contract(fp32_export, mnist, tmp_path):
    card = make_card(mnist.test_images, mnist.test_labels, np.random.default_rng(3), count=4, margin=0.08)
    frame = np.full((480, 640, 3), 60, np.uint8)
    frame[100:260, 200:520] = card.image
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), frame)
    result = run_cli("read", str(path), "--digits", str(fp32_export[0]), "--roi", "205,105,310,150", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["image"] == str(path) and record["text"] == card.text
    assert [d["digit"] for d in record["digits"]] == [int(c) for c in card.text]
    assert all(0 < d["probability"] <= 1 and len(d["box"]) == 4 for d in record["digits"])

    outside = run_cli("read", str(path), "--digits", str(fp32_export[0]), "--roi", "600,400,100,100")
    assert outside.returncode == 78 and "outside" in outside.stderr
    unreadable = tmp_path / "broken.png"
    unreadable.write_bytes(b"nope")
    result = run_cli("read", str(unreadable), "--digits", str(fp32_export[0]))
    assert result.returncode == 65 and "not an image" in result.stderr and "Traceback" not in result.stderr


def test_a_digit_joined_to_a_line_from_the_border_is_not_left_out(reader, mnist):
    # A shadow's edge, or a frame's, drawn as ink from the border into the last digit: the two are
    # one blob reaching in from the border, and the digit must not vanish with it unremarked.
    outcomes = _read_with_a_line_from_the_border(reader, mnist, 30, one_digit=False, across=False)
    assert outcomes.count("wrong") == 0, outcomes  # before: 18 of 30 read one digit short


@pytest.mark.parametrize("across", [False, True], ids=["from-the-digit", "across-the-card"])
def test_a_card_whose_only_digit_is_joined_to_a_line_from_the_border_is_not_blank(reader, mnist, across):
    # With no other digit to be level with, the blob reaching in was taken for a hand or a shadow
    # and the card read blank (""): a wrong reading. A shadow's edge across the whole card too.
    outcomes = _read_with_a_line_from_the_border(reader, mnist, 20, one_digit=True, across=across)
    assert outcomes.count("wrong") == 0, outcomes  # before: 17 and 20 of 20 read blank


def _read_with_a_line_from_the_border(reader, mnist, cards: int, one_digit: bool, across: bool) -> list[str]:
    """The outcomes of ``cards`` cards (one digit, or two or three) with a dark line drawn from the
    right border into the last digit's middle or, ``across``, through its lower part from border
    to border."""
    rng = np.random.default_rng(6)
    outcomes = []
    for _ in range(cards):
        count = 1 if one_digit else int(rng.integers(2, 4))
        card = make_card(mnist.test_images, mnist.test_labels, rng, count=count, margin=0.08)
        x, y, w, h = card.boxes[-1]
        image = card.image.copy()
        row, start = (y + 3 * h // 4, 0) if across else (y + h // 2, x + w // 2)
        cv2.line(image, (start, row), (image.shape[1] - 1, row), (70, 70, 70), 2, cv2.LINE_AA)
        outcomes.append(outcome(reader.read(image), card.text))
    return outcomes


def test_a_card_washed_out_to_white_is_unsure_not_blank(reader, mnist):
    # Pencil to pen on the tuning scenes' cards, the camera's gain 1.3-2.2 times too high: the paper
    # clips to white and the lightest strokes with it. Such a card is no blank card.
    from tests.finder_tuning_scenes import scene, upright

    rng = np.random.default_rng(2)
    outcomes = []
    for _ in range(60):
        light = rng.uniform(0.25, 1.0)
        handwriting = ((mnist.train_images[:5000] * light).astype(np.uint8), mnist.train_labels[:5000])
        shot = scene(rng, handwriting=handwriting)
        grey = np.clip(shot.grey.astype(np.float32) * rng.uniform(1.3, 2.2), 0, 255).astype(np.uint8)
        reading = reader.read(upright(grey, shot.corners))
        outcomes.append(outcome(reading, shot.text))
    # With the test's model: 11 wrong (most read as blank) and 32 exact before; 1 and 32 now.
    assert outcomes.count("wrong") <= 2 and outcomes.count("exact") >= 28, outcomes


def _side_by_side(digits: list[np.ndarray], gap: int) -> np.ndarray:
    """MNIST digits (28 x 28) cut to their ink's columns and written ``gap`` columns apart."""
    ink = np.zeros((28, 64), np.float32)
    at = 2
    for digit in digits:
        columns = np.flatnonzero(digit.max(axis=0) > 40)
        width = columns[-1] - columns[0] + 1
        ink[:, at : at + width] = np.maximum(ink[:, at : at + width], digit[:, columns[0] : columns[-1] + 1])
        at += width + gap
    return ink


def test_a_1_written_close_beside_a_digit_is_read_as_a_digit_of_its_own(reader, mnist):
    # A 1 written a pixel or two (of MNIST's 28) from another digit is a thin blob close beside
    # it, as a stroke broken off a digit is: the card was unsure, whatever the model made of it.
    rng = np.random.default_rng(12)
    ones = np.flatnonzero(mnist.train_labels == 1)
    outcomes = []
    for _ in range(300):
        picks = [int(rng.integers(0, 20000)), int(rng.choice(ones))]
        if rng.random() < 0.5:
            picks.reverse()
        ink = _side_by_side([mnist.train_images[i].astype(np.float32) for i in picks], int(rng.integers(1, 3)))
        reading = reader.read(on_paper(cv2.resize(ink, None, fx=3.2, fy=3.5), 10, rng))
        outcomes.append(outcome(reading, "".join(str(mnist.train_labels[i]) for i in picks)))
    # With the test's recipe and four models: 144-146 exact and none wrong while every such pair
    # was a doubt; 275-279 and none wrong now. Joining blobs as tall as each other, the model read
    # 1-4 of these as a digit short (a 1 beside a digit as a 4).
    assert outcomes.count("exact") >= 250 and outcomes.count("wrong") <= 3, outcomes


def _read_rubbed(reader, mnist, picks, rub, rng) -> list[str]:
    """The outcomes of reading MNIST's training digits ``picks`` written on paper, each first
    edited in place by ``rub`` (a strip of it rubbed out)."""
    outcomes = []
    for index in picks:
        digit = mnist.train_images[index].astype(np.float32)
        rub(digit)
        reading = reader.read(on_paper(cv2.resize(digit, None, fx=3.5, fy=3.5), 80, rng))
        outcomes.append(outcome(reading, str(mnist.train_labels[index])))
    return outcomes


def test_a_digit_with_a_stroke_broken_off_is_read_whole_or_unsure(reader, mnist):
    # A 4, 5, 7, 9, 2 or 3 with two of its columns rubbed out a quarter of the way in from a side:
    # a thin piece beside the rest, which the model may read as a "1" beside another digit.
    rng = np.random.default_rng(12)
    picks = rng.choice(np.flatnonzero(np.isin(mnist.train_labels, (4, 7, 5, 9, 2, 3))), 300, replace=False)

    def rub(digit: np.ndarray) -> None:
        columns = np.flatnonzero(digit.max(axis=0) > 40)
        step = max(2, len(columns) // 4)
        at = columns[0] + step if rng.random() < 0.5 else columns[-1] - step - 1
        digit[:, at : at + 2] = 0

    outcomes = _read_rubbed(reader, mnist, picks, rub, rng)
    # With the test's recipe and four models: 14-16 exact and 3-5 wrong before the model settled
    # such pairs, 43-48 and 4-6 after; 57-64 and 3-6 now that two good pieces stacked in a column
    # are read as one digit (most of the rest are still pieces in a column: unsure).
    assert outcomes.count("exact") >= 30 and outcomes.count("wrong") <= 9, outcomes


def test_a_digit_broken_across_is_read_whole_or_unsure_not_as_two(reader, mnist):
    # Two of MNIST's 28 rows rubbed out across a digit's middle third, as a pencil's stroke goes
    # faint: two pieces, stacked, or (a slanted 1) one above and beside the other.
    rng = np.random.default_rng(13)

    def rub(digit: np.ndarray) -> None:
        rows = np.flatnonzero(digit.max(axis=1) > 40)
        at = int(rng.integers(rows[0] + len(rows) // 3, rows[0] + 2 * len(rows) // 3))
        digit[at : at + 2] = 0

    outcomes = _read_rubbed(reader, mnist, rng.choice(20000, 400, replace=False), rub, rng)
    # With the test's recipe: 132-140 exact and 7-8 wrong (a 1 read "11") when a mark in two pieces
    # was a doubt unless one piece spanned most of it, and pieces out of line were two digits;
    # 225-234 and 3 now (a 6 read as a 5, a 9 as a 7). Five models.
    assert outcomes.count("exact") >= 200 and outcomes.count("wrong") <= 6, outcomes


def test_an_8_bit_images_percentiles_from_its_histogram_are_those_of_a_partial_sort():
    from edgecam.edge.digits.ranks import grey_percentiles, percentiles

    rng = np.random.default_rng(3)
    for _ in range(300):
        height, width = rng.integers(1, 120, 2)
        grey = rng.integers(0, int(rng.integers(1, 256)) + 1, (height, width)).astype(np.uint8)
        shares = (0.0, *rng.random(3), 1.0)
        assert grey_percentiles(grey, shares) == percentiles(grey, shares)
