"""Plain paper: a card with no markers found by its edges on pale, patterned, shadowed and
two-toned desks, read only inside them, followed between frames, and never made of a desk."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edgecam.edge.digits.card_find import CardFinder, by_paper
from edgecam.edge.scenes.card_views import in_view
from edgecam.edge.scenes.clip import desk
from tests.finder_tuning_scenes import scene
from tests.paper_search_scores import a_card_in_view, off_by, off_share, searched, whole_and_misplaced


@pytest.mark.parametrize("tilt", [0, 40])
def test_a_plain_card_is_found_by_its_edges_and_read_only_inside_them(tilt):
    rng = np.random.default_rng(10 + tilt)
    for _ in range(10):
        paper = np.full((220, 400, 3), 225, np.uint8)
        view = in_view(paper, desk(rng), rng, tilt)
        found = by_paper(cv2.cvtColor(view.frame, cv2.COLOR_BGR2GRAY))
        assert found is not None and found.kind == "paper"
        # The read area lies inside the card's outline, close to it: nothing outside the card is read.
        outline = view.quad.reshape(-1, 1, 2)
        inside = [cv2.pointPolygonTest(outline, (float(x), float(y)), True) for x, y in found.quad()]
        assert all(0 < depth <= 12 for depth in inside), inside


def test_a_plain_card_is_found_on_a_desk_the_exposure_clips_to_white():
    from tests.heldout_camera import over_exposed

    rng = np.random.default_rng(21)
    found = 0
    for _ in range(20):
        view = in_view(np.full((220, 400, 3), 225, np.uint8), desk(rng), rng, 15)
        card = by_paper(over_exposed(cv2.cvtColor(view.frame, cv2.COLOR_BGR2GRAY), rng))
        if card is not None:
            outline = view.quad.reshape(-1, 1, 2)
            found += all(cv2.pointPolygonTest(outline, (float(x), float(y)), True) > 0 for x, y in card.quad())
    # The desk's highlights join the paper at Otsu's level; a higher level parts them.
    assert found >= 18, f"{found} of 20 cards found"


def test_a_plain_card_is_found_where_a_bright_patch_of_desk_joins_it_to_the_frames_edge():
    rng = np.random.default_rng(23)
    found = 0
    for _ in range(20):
        view = in_view(np.full((220, 400, 3), 225, np.uint8), desk(rng), rng, 15)
        grey = cv2.cvtColor(view.frame, cv2.COLOR_BGR2GRAY)
        # A streak of light from the card's right side out to the frame's edge, and a blob of it
        # beside the card's corner: the bright shape is no longer a quadrilateral, nor whole.
        right = (view.quad[1] + view.quad[2]) / 2
        cv2.line(grey, (round(right[0]), round(right[1])), (grey.shape[1], round(right[1])), 225, 10)
        corner = view.quad[2] + (view.quad[2] - view.quad.mean(axis=0)) * 0.06
        cv2.circle(grey, (round(corner[0]), round(corner[1])), 9, 225, -1)
        card = by_paper(grey)
        if card is not None:
            outline = view.quad.reshape(-1, 1, 2)
            found += all(cv2.pointPolygonTest(outline, (float(x), float(y)), True) > 0 for x, y in card.quad())
    assert found >= 18, f"{found} of 20 cards found"


def test_a_roi_inside_a_written_card_finds_no_card_in_a_digits_hole(mnist):
    from edgecam.edge.scenes.cards import make_card

    # The ROI is all paper and ink: the only bright shapes with a dark rim inside it are the
    # holes of 0s, 6s, 8s and 9s, which the old search took for a card (4 of these 300) and
    # read as blank.
    rng, finder = np.random.default_rng(9), CardFinder()
    for _ in range(300):
        frame = np.full((480, 640), 70, np.uint8)
        card = make_card(mnist.test_images, mnist.test_labels, rng, margin=0.08)
        frame[160:320, 160:480] = cv2.cvtColor(card.image, cv2.COLOR_BGR2GRAY)
        # As the loop searches a ROI: in it, not round the writing (which would read the ROI's
        # writing in a box round it, as it should with no ROI).
        assert finder(frame[165:315, 165:475], round_the_writing=False) is None, card.text


def test_a_grey_card_on_a_checked_cloth_is_no_hole_in_written_paper():
    # Past a card's edge a checked cloth is dark, then as bright as the card again: the look of
    # a digit's hole, a dark stroke with paper beyond. But the cloth is that bright only where a
    # light square is, along part of each side, where paper round a hole is bright all along. 9 of
    # these 20 cards were found while half a side as bright again was enough, 16 now.
    rng = np.random.default_rng(15)
    ys, xs = np.mgrid[:480, :640].astype(np.float32)
    found = {"whole": 0, "misplaced": 0, "none": 0}
    for _ in range(20):
        turn, square = rng.uniform(np.pi / 6, np.pi / 3), rng.uniform(30, 50)
        across, down = xs * np.cos(turn) + ys * np.sin(turn), ys * np.cos(turn) - xs * np.sin(turn)
        light = (np.floor(across / square) + np.floor(down / square)) % 2 == 0
        cloth = np.where(light, rng.uniform(200, 235), rng.uniform(40, 80))
        corners, card = a_card_in_view(rng)
        paper = np.full(card.shape, rng.uniform(140, 185), np.float32)
        centre = corners.mean(axis=0)
        cv2.putText(paper, str(int(rng.integers(10, 999))), (int(centre[0] - 90), int(centre[1] + 40)), 0, 3, 30, 8)
        found[searched(np.where(card > 0, paper, cloth), corners, rng)] += 1
    assert found["whole"] >= 15 and found["misplaced"] == 0, found


def test_a_card_near_the_frames_edge_is_not_cut_short_by_what_lies_past_the_edge():
    # A card a few pixels from the frame's edge, a dark thing on the desk above it there: the step
    # along the card's top side goes on in the strip of desk to the frame's edge. Past the edge
    # nothing is seen, but the picture's last column, repeated, carried the step on past the
    # corner as far as the test looked, and the card was taken for part of a larger one: 4 of
    # these 12 were found before, 12 now.
    rng = np.random.default_rng(16)
    found = {"whole": 0, "misplaced": 0, "none": 0}
    for _ in range(12):
        desk_level = rng.uniform(90, 140)
        picture = np.full((480, 640), desk_level, np.float32)
        left, top = rng.uniform(300, 360), rng.uniform(120, 200)
        right, bottom = 640 - rng.uniform(12, 24), top + rng.uniform(170, 220)
        picture[: int(top), int(right) - 40 :] = 0.4 * desk_level  # a dark thing beside the card's corner
        corners = np.float32([[left, top], [right, top], [right, bottom], [left, bottom]])
        picture[int(top) : int(bottom), int(left) : int(right)] = rng.uniform(190, 230)
        cv2.putText(picture, str(int(rng.integers(10, 99))), (int(left) + 40, int(top) + 130), 0, 3, 30, 8)
        if rng.random() < 0.5:  # the same at the frame's left edge
            picture, corners = picture[:, ::-1].copy(), np.float32([[639, 0]]) + corners * [-1, 1]
        found[searched(picture, corners, rng)] += 1
    assert found == {"whole": 12, "misplaced": 0, "none": 0}, found


def test_no_card_is_made_up_of_a_desk_or_of_a_roi_that_is_all_paper():
    rng = np.random.default_rng(3)
    assert CardFinder()(cv2.cvtColor(desk(rng), cv2.COLOR_BGR2GRAY)) is None
    assert by_paper(np.full((144, 304), 220, np.uint8)) is None


def test_a_plain_card_with_a_corner_in_a_soft_shadow_is_found_whole():
    # A soft shadow's band (an arm, a lamp's post) through a corner darkens that corner below every
    # brightness level that shows the rest of the card, and its soft edges break the card's
    # outline, so no shape is the whole card; its four longest sides still lie on the card's
    # edge. Some bands cross the card whole or run along a side: those stay unfound. 5 of these
    # 24 cards were found before the longest sides were met.
    rng = np.random.default_rng(6)
    ys, xs = np.mgrid[0:480, 0:640]
    found = 0
    for _ in range(24):
        view = in_view(np.full((220, 400, 3), 225, np.uint8), np.full((480, 640, 3), 180, np.uint8), rng, 20)
        corner = view.quad[int(rng.integers(4))]
        direction = rng.uniform(0, np.pi)
        across = (xs - corner[0]) * np.cos(direction) + (ys - corner[1]) * np.sin(direction)
        band = (np.abs(across) < 30).astype(np.float32)  # 60 px wide through the corner, blurred soft
        light = 1 - 0.4 * cv2.GaussianBlur(band, (0, 0), 12)
        card = by_paper((cv2.cvtColor(view.frame, cv2.COLOR_BGR2GRAY) * light).astype(np.uint8))
        found += card is not None and off_share(card, view.quad) < 0.03
    assert found >= 9, f"{found} of 24"


def test_plain_cards_are_found_on_pale_and_patterned_desks_and_no_card_is_made_of_one():
    from tests.finder_tuning_scenes import scene

    # Planks, stone, print, tiles and a tabletop as bright as the card: the brightness levels alone
    # found 104 of these 200 cards; with the edges round a plain inside, 136; with a textured desk
    # beyond a side as its outline too, 150; with a side that has no step left where the edges
    # drew it, 157.
    rng = np.random.default_rng(1)
    found = 0
    for _ in range(200):
        shot = scene(rng)
        card = by_paper(shot.grey)
        if card is not None:
            found += off_share(card, shot.corners) < 0.03
    assert found >= 150, f"{found} of 200 plain cards found"
    rng = np.random.default_rng(2)
    for _ in range(100):
        shot = scene(rng, with_card=False)
        if shot.desk != "tiles":  # a tile is a plain bright quad; read blank, it is unsure
            assert by_paper(shot.grey) is None, shot.desk


def test_a_plain_card_on_print_or_stone_as_bright_as_itself_is_outlined_by_the_texture_round_it():
    from tests.finder_tuning_scenes import scene

    rng = np.random.default_rng(5)
    found = seen = 0
    while seen < 60:
        shot = scene(rng)
        if shot.desk not in ("print", "stone"):
            continue
        seen += 1
        card = by_paper(shot.grey)
        if card is not None:
            found += off_share(card, shot.corners) < 0.03
    # When only a step in brightness outlined a card, 37 of these 60 were found; with the texture
    # 47; with a side that has no step left where the edges drew it, 51.
    assert found >= 47, f"{found} of 60 cards on print or stone found"


def test_a_card_shaken_in_a_hand_is_followed_and_one_taken_away_or_moved_far_is_not():
    from tests.finder_tuning_scenes import scene

    finder = CardFinder()
    rng = np.random.default_rng(7)
    found = followed = 0
    for _ in range(100):
        shot = scene(rng)
        card = by_paper(shot.grey)
        if card is None or off_share(card, shot.corners) >= 0.03:
            continue
        found += 1
        # A shake: the picture moved by up to 3 px each way and turned by up to a degree.
        shake = cv2.getRotationMatrix2D((320, 240), rng.uniform(-1, 1), 1.0)
        shake[:, 2] += rng.uniform(-3, 3, 2)
        shaken = cv2.warpAffine(shot.grey, shake, (640, 480), borderMode=cv2.BORDER_REFLECT)
        now = cv2.transform(shot.corners.reshape(-1, 1, 2).astype(np.float32), shake).reshape(4, 2)
        card_now = finder.track(shaken, card)
        followed += card_now is not None and off_share(card_now, now) < 0.03
        # Where it was, a desk of its own (the card taken away), or the card 47 px further on.
        assert finder.track(scene(rng, with_card=False).grey, card) is None
        moved = cv2.warpAffine(shot.grey, np.float32([[1, 0, 40], [0, 1, 25]]), (640, 480))
        assert finder.track(moved, card) is None
    # All 87 followed (a card that is not is looked for again, at a search's cost).
    assert followed >= 0.95 * found, f"{followed} of {found} cards followed"


def test_a_plain_card_is_found_through_a_noisy_sensors_grain():
    from tests.finder_tuning_scenes import grainy, scene

    rng = np.random.default_rng(6)
    found = 0
    for _ in range(60):
        shot = scene(rng)
        card = by_paper(grainy(shot.grey, rng, 8))
        if card is not None:
            found += off_share(card, shot.corners) < 0.03
    # With the edges found at a fixed level, the grain broke the card's outline: 32 of these 60
    # were found. With the level raised over the grain's own gradient, 47.
    assert found >= 42, f"{found} of 60 grainy cards found"


def test_the_lit_part_of_a_card_a_hard_shadow_cuts_across_is_not_taken_for_the_card():
    rng = np.random.default_rng(4)
    wrong = 0
    for _ in range(20):
        grey = np.full((480, 640), rng.uniform(60, 200), np.float32)
        x0, y0 = rng.uniform(80, 200), rng.uniform(80, 160)
        corners = np.float32([[x0, y0], [x0 + 320, y0 + 20], [x0 + 300, y0 + 210], [x0 - 20, y0 + 190]])
        cv2.fillConvexPoly(grey, corners.astype(np.int32), float(rng.uniform(215, 245)), cv2.LINE_AA)
        # A hard shadow's edge runs across the card from top to bottom, and on over the desk.
        ys, xs = np.mgrid[:480, :640].astype(np.float32)
        edge_x = x0 + rng.uniform(100, 220) + (ys - y0) * rng.uniform(-0.3, 0.3)
        grey *= np.where(xs > edge_x, rng.uniform(0.55, 0.75), 1.0)
        card = by_paper(cv2.GaussianBlur(grey, (3, 3), 0).astype(np.uint8))
        if card is not None:  # then it is the whole card, not the part on one side of the shadow
            wrong += off_by(card.outline(), corners) > 12
    assert wrong == 0, f"{wrong} of 20 cards taken for the part on one side of a shadow"


def test_a_plain_card_a_hard_shadow_cuts_in_two_is_found_whole():
    whole, part = whole_and_misplaced(np.random.default_rng(3), 100, hard_shadow=True)
    # Before the card was pieced together across the shadow, 28 were found whole and 7 in part
    # (mostly the lit side); then 63 and 3; since a textured desk outlines a card too, 74 and 4;
    # since an edge-bounded card's outline may step either way, 80 and 6 (the two more in part
    # are cards not found before, a corner 5-7 % of the diagonal inside, the writing within).
    assert whole >= 55 and part <= 7, (whole, part)


def test_the_part_of_a_card_on_one_side_of_a_shadow_is_grown_to_the_whole_card():
    # A hard shadow's edge across a card: when the part on one side of it was found and the other
    # part was no plain region of its own (its edge on the desk too weak to close it), that part
    # was read as the card: 64 of these 100 were found whole and 14 in part. With the paper beyond
    # the shadow's edge flooded and joined to the part found, 68 and 10 (70 and 11 with a textured
    # desk's outline); with an outline that may step either way, 71 and 13.
    whole, part = whole_and_misplaced(np.random.default_rng(11), 100, hard_shadow=True)
    assert whole >= 66 and part <= 14, (whole, part)


def test_the_part_of_a_card_across_a_shadow_is_grown_whole_though_its_flood_runs_out_along_the_desk(mnist):
    # A tuning desk of speckled stone, a hard shadow across the card: the shaded part was found
    # and the lit part flooded from beyond the shadow's edge, but the flood ran out of the card's
    # corner along a bright speck of stone as bright as the paper, and the joined shape's corner
    # was placed on that spur (misplaced by 15 % of the diagonal). A spur that thin is no paper.
    rng = np.random.default_rng(22)
    for _ in range(165):
        shot = scene(rng, hard_shadow=True, handwriting=(mnist.train_images, mnist.train_labels))
    card = by_paper(shot.grey)
    assert card is not None and off_share(card, shot.corners) < 0.03


def test_a_card_written_large_is_pieced_together_across_a_shadow(mnist):
    # Handwriting as large as people write on a card, and a hard shadow across the card alone: the
    # part on one side of the shadow's edge may hold most of the writing. The parts were pieced
    # together only when 70 % of each was plain paper: 60 of these 100 cards were found whole and
    # 18 misplaced. With half of each part plain, 69 and 15.
    handwriting = (mnist.train_images[:20000], mnist.train_labels[:20000])
    whole, misplaced = whole_and_misplaced(
        np.random.default_rng(6), 100, shadow_on_the_card_alone=True, handwriting=handwriting
    )
    assert whole >= 66 and misplaced <= 18, (whole, misplaced)


def test_a_card_darker_than_a_bright_desk_with_its_own_shadow_across_it_is_found_whole():
    # A card held in its own shade over a bright desk: darker than the desk all round, and a hard
    # shadow's edge across it splits it into two regions. Joined, the two were tested only for a
    # card brighter than its desk: none of these 20 was found. Tested for a darker card too, 12;
    # with an outline that may step either way, 17.
    rng = np.random.default_rng(8)
    found = []
    ys, xs = np.mgrid[:480, :640].astype(np.float32)
    for _ in range(20):
        desk = rng.uniform(225, 245) * (1 - 0.08 * xs / 640)
        corners, card = a_card_in_view(rng)
        x0, y0 = corners[0]
        edge_x = x0 + rng.uniform(100, 220) + (ys - y0) * rng.uniform(-0.3, 0.3)
        paper = rng.uniform(0.78, 0.88) * desk * np.where(xs > edge_x, rng.uniform(0.55, 0.75), 1.0)
        found.append(searched(np.where(card > 0, paper, desk), corners, rng))
    whole, misplaced = found.count("whole"), found.count("misplaced")
    assert whole >= 9 and misplaced == 0, (whole, misplaced)


def test_a_bowed_card_lit_otherwise_than_its_desk_is_found_whole():
    # A card bent about one axis and lit from a side of its own: its edge steps down from the card
    # to the desk in one place and up in another. When each side snapped only to a step down, 49
    # of these 100 were found whole and 20 misplaced (a side snapped onto the bend's shading inside
    # the card); snapped to whichever step is steeper at each point, 61 and 6; 69 and 10 by
    # 2026-12-04. Since the search also looks in windows round the writing (2026-12-05), 73 and
    # 15: of the 9 cards it finds that it did not, 3 are whole and 6 misplaced (5 with a side on
    # the bend's shading, 1 as the block of tiles round the card, which reads unsure), and one
    # found as another shape is now found whole.
    whole, misplaced = whole_and_misplaced(np.random.default_rng(23), 100, bowed=True)
    assert whole >= 56 and misplaced <= 15, (whole, misplaced)


def test_a_plain_card_in_a_dim_room_is_found_whole():
    # The tuning desks through a gain of the test's own (0.12-0.4) and a sensor's noise: the card's
    # edge is a few grey levels high, under the edge levels. Searched as they were, 39 of these 60
    # were found whole and 3 misplaced; brightened to full scale first, 49 and 3.
    def dim(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        dimmed = grey * rng.uniform(0.12, 0.4) + rng.normal(0, 1, grey.shape)
        return np.clip(dimmed, 0, 255).astype(np.uint8)

    whole, misplaced = whole_and_misplaced(np.random.default_rng(42), 60, seen=dim)
    assert whole >= 45 and misplaced <= 5, (whole, misplaced)


def test_a_plain_card_across_the_border_of_a_two_toned_desk_is_found_whole():
    # A card laid across a mat's edge, or a book's: brighter than the desk on one side of the
    # border, darker on the other, so two of its sides step down to the desk along part of their
    # length and up along the rest. When every side had to step one way, none of these 20 was
    # found; 20 since an edge-bounded card's outline may step either way.
    rng = np.random.default_rng(12)
    found = []
    ys, xs = np.mgrid[:480, :640].astype(np.float32)
    for _ in range(20):
        corners, card = a_card_in_view(rng)
        x0, y0 = corners[0]
        border = x0 + rng.uniform(110, 190) + (ys - y0) * np.tan(rng.uniform(-0.5, 0.5))
        paper = rng.uniform(150, 190)
        desk = np.where(xs < border, paper * rng.uniform(1.15, 1.3), paper * rng.uniform(0.6, 0.8))
        written = np.full((480, 640), paper, np.float32)
        text = str(int(rng.integers(10, 99)))
        cv2.putText(written, text, (int(x0 + 90), int(y0 + 140)), cv2.FONT_HERSHEY_SIMPLEX, 3, 40, 8)
        found.append(searched(np.where(card > 0, written, desk), corners, rng))
    whole, misplaced = found.count("whole"), found.count("misplaced")
    assert whole >= 17 and misplaced == 0, (whole, misplaced)


def test_an_outline_that_steps_either_way_is_light_turning_along_it_not_a_textured_desk():
    from edgecam.edge.digits.paper_checks import outlined

    quad = np.float32([[40, 30], [120, 30], [120, 90], [40, 90]])
    ys, xs = np.mgrid[:120, :160]
    # The desk darker than the paper on the left and brighter on the right, the light turning
    # once along the top and bottom sides: a card lit otherwise than its desk.
    lit_unevenly = np.where(xs < 80, 120, 240).astype(np.uint8)
    # A desk of squares, darker and brighter than the paper in turn: the step along each side turns
    # from down to up every few points. No light does that; a textured desk does.
    squares = np.where((xs // 8 + ys // 8) % 2 == 0, 120, 240).astype(np.uint8)
    for around, is_card in ((lit_unevenly, True), (squares, False)):
        picture = around.copy()
        picture[30:91, 40:121] = 180
        assert outlined(picture, quad, 1.04, either_way=True) is is_card
        assert not outlined(picture, quad, 1.04)  # one way only, neither is outlined
