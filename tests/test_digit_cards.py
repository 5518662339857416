"""Digit cards as a camera sees them, held out in code: a wrong text is rare where the reader may
be unsure, a tilted card anywhere in view is read with no ROI, a hand over a corner of the
printed card is no obstacle, and the edge a blur smears into the ROI is never read as a digit."""

from __future__ import annotations

import json
from itertools import groupby

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli

pytest.importorskip("torch")


def test_through_held_out_camera_effects_a_wrong_text_is_rare_and_most_cards_read(fp32_export, mnist):
    from tests.digit_card_benchmark import benchmark

    conditions = ["motion-blur+jpeg-30", "defocus", "tilted-40"]
    # The camera effects and writers are held out; the scenes are training's own ("shared"), where
    # this short-trained model's figures are known. The held-out scenes are measured in the docs.
    table = benchmark(str(fp32_export[0]), mnist, cards=200, seed=31, only=(["mnist"], conditions), scenes="shared")
    rows = table["mnist"]
    # The goal, wrong text in at most 1 % of cards, over the 600 cards. This short-trained model's
    # true rate is near it (2 of 150 and 0 of 150 through the blur chain, by seed), so each condition
    # alone gets a looser bound that still catches one gone bad.
    assert sum(row["wrong"] for row in rows.values()) / len(rows) <= 0.01, rows
    for condition, row in rows.items():
        assert row["wrong"] <= 0.02, (condition, row)
        assert row["exact"] >= 0.6, (condition, row)  # and not by saying "unsure" to everything


def _run(clip, model, tmp_path, *extra: str) -> list[dict]:
    events = tmp_path / "events.jsonl"
    run = ["run", "--source", str(clip), "--digits", str(model), "--events", str(events), "--headless"]
    result = run_cli(*run, *extra)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in events.read_text().splitlines()]


def _wrong_runs(texts: list[str | None], truth: list[str]) -> list[int]:
    """Lengths of the runs of frames that showed one wrong text."""
    shown = [t if t is None or t == truth[i] else f"!{t}" for i, t in enumerate(texts)]
    return [len(list(run)) for key, run in groupby(shown) if key is not None and key.startswith("!")]


def test_with_no_roi_a_card_tilted_up_to_40_degrees_anywhere_in_view_is_read(fp32_export, mnist, tmp_path):
    from tests.digit_loop_scene import make_scene

    scene = make_scene(tmp_path / "cards.avi", mnist, seed=12, segments=("clean",) * 4, max_tilt=40.0)
    lines = _run(scene.path, fp32_export[0], tmp_path)
    texts = [e["digits"]["text"] for e in lines]
    right = sum(t == scene.texts[i] for i, t in enumerate(texts)) / len(texts)
    assert right >= 0.9, right
    assert max(_wrong_runs(texts, scene.texts), default=0) <= 2


def test_a_blank_bright_shape_is_no_blank_card_but_a_blank_printed_card_is(read_whole_frame):
    from edgecam.edge.digits.card_print import card_image
    from edgecam.edge.digits.stage import BLANK_SHAPE

    frame = np.full((480, 640), 60, np.uint8)
    cv2.rectangle(frame, (200, 150), (440, 300), 200, cv2.FILLED)  # a pale box or note on a dark desk
    reading, card = read_whole_frame(frame)
    assert card is not None and card.kind == "paper"
    assert reading.unsure and reading.reason == BLANK_SHAPE  # not "", "nothing is written here"
    printed = card_image(round(2.0 * 25.4))  # the printed card, blank, 2 px to the millimetre
    # Seen as a camera exposes white paper, below the sensor's white: paper washed out to white
    # could hide a pencil, and such a card is unsure (test_digit_reader.py).
    printed = (printed.astype(np.float32) * 0.9).astype(np.uint8)
    frame = np.full((480, 640), 60, np.uint8)
    frame[100 : 100 + printed.shape[0], 150 : 150 + printed.shape[1]] = printed
    reading, card = read_whole_frame(frame)
    assert card is not None and card.kind == "aruco"
    assert reading.text == ""  # its markers make it a card: blank is the answer


def test_a_roi_too_small_to_hold_a_card_reads_nothing_and_does_not_stop_the_loop(fp32_export):
    # A ROI a few pixels across (a slip of the mouse) once crashed the plain-card search.
    from edgecam.edge.digits.stage import DigitStage

    frame = np.random.default_rng(4).integers(0, 256, (480, 640), np.uint8)
    for roi in ([10, 10, 4, 4], [10, 10, 3, 40], [10, 10, 40, 2]):
        stage = DigitStage(str(fp32_export[0]), roi, 1, 0.0, 1)
        for _ in range(3):  # searched, then followed or searched again
            reading = stage(frame)
        assert stage.card is None and not reading.text, (roi, reading)


def test_a_printed_card_with_a_hand_over_a_corner_is_read(fp32_export, mnist):
    from edgecam.edge.digits.stage import DigitStage
    from edgecam.edge.scenes.card_views import covered, in_view
    from edgecam.edge.scenes.cards import printed_card
    from edgecam.edge.scenes.clip import desk

    rng = np.random.default_rng(8)
    right = wrong = 0
    for number in range(24):
        corner = number % 4
        span = (0.5, 1.0) if corner in (0, 3) else (0.0, 0.5)  # written beside the hand
        card = printed_card(mnist.test_images[5000:], mnist.test_labels[5000:], rng, count=2, span=span)
        view = in_view(covered(card.image, corner, 0.25, rng), desk(rng), rng, 20)
        stage = DigitStage(str(fp32_export[0]), [], 1, 0.0, 1)
        reading = stage(cv2.cvtColor(view.frame, cv2.COLOR_BGR2GRAY))
        assert stage.card is not None and stage.card.kind == "aruco" and stage.card.markers == 3
        right += reading.text == card.text
        wrong += not reading.unsure and reading.text != card.text
    assert right >= 18 and wrong == 0, (right, wrong)


def test_a_blur_that_smears_the_card_edge_into_the_roi_never_adds_a_digit(fp32_export, mnist):
    """The issue's case: the ROI drawn just inside the card, a 7 px motion blur smearing the card's
    edge into it. The card around the ROI is found and read inside its own border."""
    from edgecam.edge.digits.stage import DigitStage
    from edgecam.edge.scenes.clip import ROI

    blur = np.zeros((7, 7), np.float32)
    blur[3, :] = 1 / 7
    stage = DigitStage(str(fp32_export[0]), list(ROI), 1, 0.0, 2)
    texts, truth = _cards_in_a_hand(stage, mnist, np.random.default_rng(3), blur)
    right = sum(t == truth[i] for i, t in enumerate(texts)) / len(texts)
    # One of these MNIST 7s has a short flag and no more: a 1 as Europe writes it. A model that
    # learnt such 1s is unsure of it, rightly, for all its frames.
    assert _wrong_runs(texts, truth) == [] and right >= 0.7, (right, texts)


def test_digits_written_close_to_a_plain_cards_edge_are_read_not_cut_off(read_whole_frame, mnist):
    """Writing that reaches into the border a plain card is read inside is read closer to the
    edge, not called cut off, and still no edge is read as a digit."""
    from edgecam.edge.scenes.card_views import in_view
    from edgecam.edge.scenes.cards import make_card
    from edgecam.edge.scenes.clip import desk

    rng = np.random.default_rng(12)
    exact = wrong = 0
    for _ in range(60):
        # Ink up to 2 % of the card's height from its edge, where the usual border is 4 %.
        card = make_card(mnist.test_images[5000:], mnist.test_labels[5000:], rng, (400, 220), margin=0.02)
        grey = cv2.cvtColor(in_view(card.image, desk(rng), rng, 0).frame, cv2.COLOR_BGR2GRAY)
        reading, _ = read_whole_frame(grey)
        exact += reading.text == card.text
        wrong += not reading.unsure and reading.text != card.text
    # Read inside the usual border only, 29 of these 60 cards were exact; read closer, 43 (three
    # short-trained models like this one), none wrong.
    assert exact >= 38 and wrong <= 1, (exact, wrong)


def test_a_new_card_held_where_the_last_one_was_is_followed_there_not_looked_for(fp32_export, mnist):
    """Swapping cards in a hand costs a read each, not a search: the card found first is followed
    from frame to frame, and the search runs again only where that fails. Followed, each card
    reads as it does when looked for on every change (the stage before following)."""
    from edgecam.edge.digits.stage import DigitStage
    from edgecam.edge.scenes.clip import ROI

    class SearchingStage(DigitStage):
        def _read_tracked(self, grey, box):
            return None

    following, searching = (cls(str(fp32_export[0]), list(ROI), 1, 0.0, 2) for cls in (DigitStage, SearchingStage))
    texts, truth = _cards_in_a_hand(following, mnist, np.random.default_rng(4), None)
    searched, _ = _cards_in_a_hand(searching, mnist, np.random.default_rng(4), None)
    same = sum(a == b for a, b in zip(texts, searched, strict=True)) / len(texts)
    # Following invents no wrong text (the last card's, say): each one it shows, searching shows on
    # the same card. When it shows it may differ: a digit read at the sure level flickers either way,
    # and the stabiliser takes two sure reads in a row wherever they fall.
    assert same >= 0.95 and _wrong_texts(texts, truth) <= _wrong_texts(searched, truth), (texts, searched)
    # Searching on every change: 45 reads, 25 of them searches; following: 46 and 3 (the edge model).
    assert following.reads >= 16 and following.searches <= 5 < 16 <= searching.searches


def _wrong_texts(texts: list[str | None], truth: list[str]) -> set[tuple[str, str]]:
    """Each wrong text shown, with the card it was shown on."""
    return {(true, shown) for shown, true in zip(texts, truth, strict=True) if shown is not None and shown != true}


def _cards_in_a_hand(stage, mnist, rng: np.random.Generator, blur: np.ndarray | None) -> tuple[list, list[str]]:
    """16 cards of MNIST test digits, one after the other where the bench clip holds its card,
    15 frames each, shaken by up to 2 px; what ``stage`` read on each frame, and the truth."""
    from edgecam.edge.scenes.cards import make_card
    from edgecam.edge.scenes.clip import CARD_RECT, desk

    background = desk(rng)
    x, y, w, h = CARD_RECT
    texts, truth = [], []
    for _ in range(16):
        card = make_card(mnist.test_images[5000:], mnist.test_labels[5000:], rng, size=(w, h), margin=0.1)
        for _ in range(15):
            frame = background.copy()
            dx, dy = rng.integers(-2, 3, 2)
            frame[y + dy : y + dy + h, x + dx : x + dx + w] = card.image
            if blur is not None:
                frame = cv2.filter2D(frame, -1, blur)
            texts.append(stage(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)).text)
            truth.append(card.text)
    return texts, truth


def test_the_lit_part_of_a_card_a_shadow_falls_on_is_not_read_as_the_whole_card(read_whole_frame, mnist):
    """A hard shadow on the card alone: its lit part may be found as the card, and must not be read
    a digit short. The rest of the writing, just past the side the shadow drew, makes it unsure."""
    from tests.finder_tuning_scenes import scene
    from tests.reading_outcome import outcome

    rng = np.random.default_rng(23)
    outcomes = []
    for _ in range(200):
        handwriting = (mnist.train_images[:20000], mnist.train_labels[:20000])
        shot = scene(rng, shadow_on_the_card_alone=True, handwriting=handwriting)
        reading, _ = read_whole_frame(shot.grey)
        outcomes.append(outcome(reading, shot.text))
    wrong, exact = outcomes.count("wrong"), outcomes.count("exact")
    # Before the writing past a side was looked at, 15-16 of these 200 read wrong (most a digit or
    # two short) and 81-85 exact, with seven models trained short as this one is and a 12-epoch one;
    # with it, 6-8 wrong and the same exact.
    assert wrong <= 10 and exact >= 75, (wrong, exact)


def test_a_pen_or_a_key_beside_a_card_is_not_taken_for_more_writing(read_whole_frame, mnist):
    """Things left beside a card (a pen, a phone, a coin, a key) are no digit past its side: only a
    mark level with the card's writing at top and bottom is."""
    from edgecam.edge.digits.stage import PAST_THE_EDGE
    from tests.finder_tuning_scenes import scene, things_beside

    rng = np.random.default_rng(51)
    taken = 0
    for _ in range(200):
        shot = scene(rng, handwriting=(mnist.train_images[:20000], mnist.train_labels[:20000]))
        grey = things_beside(shot.grey, shot.corners, rng)
        reading, _ = read_whole_frame(grey)
        taken += reading.reason == PAST_THE_EDGE
    # Any mark as tall as a digit counted (not only one level with the writing): 4-9 of these 200
    # cards unsure for it with two models; level with it, 0-1 with four; with two pieces in a column
    # also judged as one mark, 2 with the 12-epoch model (a coin above a key read as a 9).
    assert taken <= 3, taken


def test_with_no_card_in_view_a_moving_frame_is_searched_every_third_frame_and_a_card_still_read(fp32_export, mnist):
    """With no ROI and no card in view, someone walking past changes the whole frame on every
    frame, and a search of it costs several reads: it runs at most every third frame. A card
    then held up is read within a few frames all the same."""
    from edgecam.edge.digits.stage import DigitStage
    from edgecam.edge.scenes.cards import make_card
    from edgecam.edge.scenes.clip import CARD_RECT, desk

    rng = np.random.default_rng(6)
    background = desk(rng)
    sleeve = rng.integers(20, 120, (200, 90, 3), dtype=np.uint8)  # a dark, textured arm crossing the view
    stage = DigitStage(str(fp32_export[0]), [], 1, 0.0, 2)
    x, y, w, h = CARD_RECT
    card = make_card(mnist.test_images[5000:], mnist.test_labels[5000:], rng, size=(w, h), margin=0.1)
    texts = []
    for index in range(90):
        frame = background.copy()
        if index >= 60:
            frame[y : y + h, x : x + w] = card.image
        left = 6 * (index % 60)
        frame[20:220, left : left + 90] = sleeve[:, : min(90, 640 - left)]
        texts.append(stage(frame).text)
        if index == 59:
            assert stage.searches <= 20, stage.searches  # searched on every change: 36 of 60 frames
    assert card.text in texts[60:70] and set(texts[60:]) <= {None, "", card.text}, (card.text, texts[60:])
