"""Look for a plain card: the largest plain four-cornered shape brighter than what is around it.

A shape counts when it stands above some brightness level, or when the picture's edges enclose
it (a desk nearly as bright as the card); either way its sides are moved onto the card's real
edge, and it must step down in brightness all round (a shape the edges enclose may step up
instead along part of its edge: a card lit otherwise than its desk), be no hole in written
paper, and not go on past a corner (the lit part of a card that a hard shadow cuts across). A
card that a hard shadow's edge cuts in two is pieced together from the two plain regions either
side of it, or grown from the part found across the edge to the paper beyond. When no shape is
the card (its outline has a gap where card and desk are equally bright), its four straight sides
are looked for (``side_search``). The tests a shape must pass live in ``paper_checks``. When the
whole picture shows no card, or none with the writing in view on it, it is looked for again in
windows round that writing (``writing_windows``): a small card on a checked or tiled desk, or
beside a larger blank sheet.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.digits import edge_snap, lone_writing, paper_checks, quad_fit, side_search, writing_windows
from edgecam.edge.digits.dim_light import brightened
from edgecam.edge.digits.row_offsets import without_row_offsets
from edgecam.edge.digits.sensor_grain import gradient_noise

SEARCH_SIDE = 320  # the paper search runs on a picture no larger than this
LEAST_SIDE = 16  # pixels: a picture narrower than this holds no card to read (a ROI drawn by a slip)
MIN_CARD_SHARE = 0.02  # a card covers at least this share of the searched area
BRIGHT_STEP = 1.1  # a bright shape's inside is this much brighter than outside, all round
EDGE_STEP = 1.04  # and an edge-bounded shape's
EDGE_WINS = 1.2  # times the bright shape's area: an edge-bounded shape this much larger is the card
EDGE_LOW = 8  # grey levels per pixel: the weaker of Canny's two gradient levels
EDGE_OVER_NOISE = 2.0  # times the gradient of the picture's noise: the weaker level is at least this
EDGE_GROWTH = 2  # pixels each edge is grown by, so that the regions it encloses are closed
DARKER_CARD = 0.6  # a card, even one darker than its desk, is this share of the brightest in view or more
SHADOW_DEPTH = (0.4, 0.92)  # a shadow leaves between 40 % and 92 % of the light on the paper
SHADOW_WINS = 1.1  # times the area found without it: a card pieced across a shadow this much larger wins
SHADOW_PIECES = 8  # the largest plain regions tried in pairs
# Shapes tried as a card at each step, the largest first (of edge-bounded ones, the candidate quads
# with plain paper inside): more is a tiled floor.
CARD_TRIES = 6
BITE = 1.35  # times a shape's area: a card with a corner cut off is at most this much larger
NO_DARK_LINE = 0.92  # of the darker region's brightness: where two regions meet, a line darker is grout
PIECE_PLAIN_SHARE = 0.5  # of a piece either side of a shadow's edge is plain paper: writing may fill more of a part


@dataclass
class Search:
    """The picture a search looks at, and the levels every way of searching it shares."""

    small: np.ndarray  # no side above ``SEARCH_SIDE``, smoothed
    step: float  # the picture's pixels to one of ``small``'s
    least: float  # a card's least area in ``small``
    at_least: float  # a card's least brightness: among the brightest things in view, no blot of ink
    edge_low: float  # the weaker gradient level of an edge (Canny's), above the sensor's noise


def search_of(grey: np.ndarray) -> Search:
    """The search over ``grey``: its small picture and levels."""
    small, step = _small_picture(grey)
    # A card is among the brightest things in view, even one darker than its desk.
    brightest = float(np.partition(small.ravel(), int(0.95 * small.size))[int(0.95 * small.size)])
    # A noisy sensor's picture has edges everywhere at a fixed level, and they break the card's
    # outline and paper into pieces: the levels rise with the noise.
    low = max(EDGE_LOW, EDGE_OVER_NOISE * gradient_noise(small))
    return Search(small, step, MIN_CARD_SHARE * small.shape[0] * small.shape[1], DARKER_CARD * brightest, low)


def paper_quad(grey: np.ndarray, round_the_writing: bool = True) -> np.ndarray | None:
    """The corners of the largest plain four-cornered shape brighter than what is around it (a
    plain card on a desk or in a hand), clockwise from the top left in ``grey``'s pixels, or None.
    It is found by its outline (``outline_quad``) or, failing that when ``round_the_writing``, as
    writing alone on its paper (``lone_writing``), read in a box round it."""
    found, rows = _outline(grey, round_the_writing)
    # Over-exposed, or on a desk as bright as it, a pale card's edge may be lost in the desk.
    return found if found is not None or not round_the_writing else lone_writing.lone_quad(grey, rows)


def outline_quad(grey: np.ndarray, round_the_writing: bool = True) -> np.ndarray | None:
    """``paper_quad``'s card found by its outline alone, never a box round writing alone."""
    return _outline(grey, round_the_writing)[0]


def _outline(grey: np.ndarray, round_the_writing: bool) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """The card's corners found by brightness or, on a desk nearly as bright, by its outline, or by
    its straight sides where its outline has a gap; failing all three (or finding a shape with none
    of the writing in view on it), so again in windows round the writing, when
    ``round_the_writing``; and, when none is found there, the rows of writing in view (corners in
    ``grey``'s pixels)."""
    if min(grey.shape[:2]) < LEAST_SIDE:
        return None, []
    search = search_of(grey)
    found = _quad_in(grey, search)
    if not round_the_writing:
        return found, []
    rows = writing_windows.windows(search.small, search.step)
    # A shape with none of the writing in view on it may be a bright box or sheet beside the card.
    if found is not None and (not rows or any(writing_windows.holds(found, row) for _, row in rows)):
        return found, []
    for (x0, y0, x1, y1), row in rows:
        if min(x1 - x0, y1 - y0) < LEAST_SIDE:
            continue
        in_window = _quad_in(grey[y0:y1, x0:x1], search_of(grey[y0:y1, x0:x1]))
        if in_window is None:
            continue
        quad = (in_window + np.array([x0, y0])).astype(np.float32)
        # The card round that writing, all of it: not another shape in the window, nor one that a
        # row of the desk's own dark lines (a tile's grout) runs along, nor the part of a card on
        # one side of a shadow's edge with writing on both.
        if writing_windows.holds(quad, row):
            return quad, []
    return found, [row for _, row in rows]


def _quad_in(grey: np.ndarray, search: Search) -> np.ndarray | None:
    """``paper_quad`` over the whole of ``grey``, whose ``search`` it is."""
    small, least, at_least = search.small, search.least, search.at_least
    best, area = _brightest_quad(small, least)
    # A shape bounded by edges alone is the card only where it is much larger than any bright one
    # (a bright tile or patch of desk beside the card is a quad too), or when no bright one is
    # found: on a desk about as bright as the card, or a pattern with bright parts touching it.
    edged = _edge_bounded_outlines(small, search.edge_low)
    bigger = _quad_by_edges(small, edged, max(least, EDGE_WINS * area), at_least, darker=False)
    if bigger is not None:
        best = bigger
    elif best is None:  # a card darker than a bright page or desk around it, as a last resort
        best = _quad_by_edges(small, edged, least, at_least, darker=True)
    # The lit part of a card is a card-like shape of its own; the whole card, pieced together
    # across the shadow's edge, wins when it is larger.
    found = cv2.contourArea(best) if best is not None else 0.0
    whole = _quad_across_a_shadow(small, edged, max(least, SHADOW_WINS * found))
    if whole is not None:
        best = whole
    if best is None:  # no shape is the card: its outline may have a gap where it meets the desk
        best = side_search.quad_by_sides(small, least, at_least, search.edge_low)
    if best is None:
        return None
    # The part on one side of a hard shadow's edge may pass for a card when the other part is no
    # region of its own (its edge on the desk too faint to close it): it is grown across the edge.
    grown = _grown_across_a_shadow(small, best)
    if grown is not None:
        best = grown
    # The small picture's pixel centres to the full picture's.
    return quad_fit.clockwise_from_top_left((best + 0.5) * search.step - 0.5)


def _grown_across_a_shadow(small: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """The whole card, when ``quad`` is only the part of it on one side of a hard shadow's edge:
    beyond one side the paper goes on, plain, darker or lighter by a shadow's share. That paper is
    flooded from there and joined to ``quad``'s, and the whole must pass every test of a card and
    be larger. None when no side grows so."""
    best, best_area = None, SHADOW_WINS * cv2.contourArea(quad)
    part = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(part, quad.astype(np.int32), 1)
    for corner in range(4):
        points, normal = paper_checks.side_points(quad, corner, 16)
        inside = paper_checks.along(small, points, -normal, np.arange(1.0, 5.0, dtype=np.float32)).mean(axis=1)
        beyond = paper_checks.along(small, points, normal, np.arange(3.0, 8.0, dtype=np.float32)).mean(axis=1)
        darker, lighter = np.minimum(inside, beyond), np.maximum(inside, beyond)
        if np.mean(_a_shadows_share(darker, lighter)) < 0.8:
            continue
        seed = points[len(points) // 2] + 5 * normal
        if not (0 <= seed[0] < small.shape[1] and 0 <= seed[1] < small.shape[0]):
            continue
        # Each pixel within 2 % of its neighbour's level: the flood follows light that falls off
        # across the paper, and stops at the card's edge and the desk's texture.
        flooded = np.zeros((small.shape[0] + 2, small.shape[1] + 2), np.uint8)
        tolerance = max(2.0, 0.02 * float(np.median(beyond)))
        flags = 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
        cv2.floodFill(small, flooded, (int(seed[0]), int(seed[1])), 0, tolerance, tolerance, flags)
        if np.count_nonzero(flooded[1:-1, 1:-1]) > 3 * np.count_nonzero(part):
            continue  # the desk, not the rest of the card
        # A thin spur is grout or a crack the flood ran along from the paper's edge, not paper.
        other_part = cv2.morphologyEx(flooded[1:-1, 1:-1], cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        found, area = _card_joined(small, cv2.bitwise_or(other_part, part), 5, best_area)
        if found is not None:
            best, best_area = found, area
    return best


def tracked_quad(grey: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """Where the card whose corners were ``quad`` (``grey``'s pixels) a moment ago is now: its
    sides moved onto the card's edges nearby, if the shape there is still outlined as an
    edge-bounded card must be. None when it is not (the card has gone, or moved further than a
    hand shakes it): then the whole search is needed. The search's other tests (no hole in
    written paper, not cut short) turned away shapes that are no card; a card that passed them
    a moment ago needs only its outline checked, at a fraction of their cost."""
    small, step = _small_picture(grey)
    guess = ((quad + 0.5) / step - 0.5).astype(np.float32)
    # A side with no edge to snap to stays where it was: a card is not grown at each frame.
    moved = edge_snap.snapped(small, guess, unsnapped_out=0.0)
    if not paper_checks.whole(moved, small):
        return None
    # A card brighter than its desk, or (found as a last resort) darker. One way only: without
    # the search's other tests, a step either way would follow the texture of a desk the card
    # has left.
    if paper_checks.outlined(small, moved, EDGE_STEP, or_textured=True) or paper_checks.outlined(
        small, moved, 1 / EDGE_STEP
    ):
        return quad_fit.clockwise_from_top_left((moved + 0.5) * step - 0.5)
    return None


def _small_picture(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The picture the search looks at (no side above ``SEARCH_SIDE``, smoothed) and its scale."""
    height, width = grey.shape[:2]
    step = max(1.0, max(width, height) / SEARCH_SIDE)
    small = grey
    if step > 1:
        small = cv2.resize(grey, (round(width / step), round(height / step)), interpolation=cv2.INTER_AREA)
    small = without_row_offsets(small)  # a sensor's offset rows are lines that cut a card into strips
    return cv2.GaussianBlur(brightened(small), (5, 5), 0), step


def _brightest_quad(small: np.ndarray, least: float) -> tuple[np.ndarray | None, float]:
    """The largest card-like shape above the first brightness level that shows one, and its area."""
    for shape in _bright_shapes(small):
        outlines, _ = cv2.findContours(shape, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        best, area = _card_among(small, outlines, least, BRIGHT_STEP, by_edges=False)
        if best is not None:
            return best, area
    return None, 0.0


def _card_among(
    small: np.ndarray, outlines, least: float, step_down: float, by_edges: bool
) -> tuple[np.ndarray | None, float]:
    """The largest of the shapes with ``outlines`` (larger than ``least``; the ``CARD_TRIES``
    largest tried) whose quad, moved onto the card's edge, is outlined by a step of
    ``step_down``, no hole in written paper and not cut short; and its area (``least`` when there
    is none)."""
    largest = sorted(outlines, key=cv2.contourArea, reverse=True)[:CARD_TRIES]
    for candidates, area in _quadrilaterals(largest, least, small):
        for quad in candidates:
            quad = edge_snap.snapped(small, quad, EDGE_GROWTH)
            # Texture beyond a side outlines a card brighter than its desk (a darker one is a last resort).
            if paper_checks.a_card(small, quad, step_down, by_edges=by_edges, or_textured=by_edges and step_down > 1):
                return quad, area
    return None, least


def _quad_by_edges(
    small: np.ndarray, outlines: list[np.ndarray], least: float, at_least: float, darker: bool
) -> np.ndarray | None:
    """The largest edge-bounded shape (larger than ``least``) that is a plain card among the
    brightest things in view (its paper at least ``at_least`` bright: not a blot of ink), brighter
    than the desk around it or, when ``darker``, darker than it. Its outline needs less of a step
    than a bright shape's, since its inside must be plain, and the step may go the other way along
    part of its edge (see ``paper_checks.outlined``): so a shape darker all round passes too, and
    its brightness tells a card from ink."""
    step_down = 1 / EDGE_STEP if darker else EDGE_STEP
    # The largest first: the first that is a card is the one. Each quad with plain paper inside
    # counts as a try, whether it is a shape's first candidate or its second.
    tries = 0
    for candidates, _ in _quadrilaterals(sorted(outlines, key=cv2.contourArea, reverse=True), least, small):
        for quad in candidates:
            # Plain inside first: it is cheap, and it turns away most regions of a textured desk.
            if not paper_checks.plain_inside(small, quad, at_least):
                continue
            tries += 1
            if tries > CARD_TRIES:
                return None
            quad = edge_snap.snapped(small, quad, EDGE_GROWTH)
            if paper_checks.a_card(small, quad, step_down, by_edges=True, or_textured=not darker):
                return quad
    return None


def _quad_across_a_shadow(small: np.ndarray, outlines: list[np.ndarray], least: float) -> np.ndarray | None:
    """The largest card (larger than ``least``) made of two plain edge-bounded regions that a
    shadow's edge parts: one darker than the other by a shadow's share, a step between them, not
    a dark line (the grout between two tiles, the gap between two sheets)."""
    paper = cv2.GaussianBlur(cv2.dilate(small, np.ones((7, 7), np.uint8)), (0, 0), 4).astype(np.float32)
    plain = np.abs(small.astype(np.float32) - paper) < paper_checks.PAPER_GRAIN * paper
    pieces: list[tuple[np.ndarray, float, float]] = []  # mask, area, brightness
    for outline in sorted(outlines, key=cv2.contourArea, reverse=True):
        area = cv2.contourArea(outline)
        if area < 0.15 * least or len(pieces) == SHADOW_PIECES:
            break
        mask = np.zeros(small.shape, np.uint8)
        cv2.drawContours(mask, [outline], -1, 1, cv2.FILLED)
        inside = mask > 0
        if plain[inside].mean() >= PIECE_PLAIN_SHARE:
            pieces.append((mask, area, float(np.median(small[inside]))))
    near = np.ones((9, 9), np.uint8)
    best, best_area = None, least
    for (one, one_area, one_level), (other, other_area, other_level) in itertools.combinations(pieces, 2):
        darker, lighter = sorted((one_level, other_level))
        if one_area + other_area < best_area or not _a_shadows_share(darker, lighter):
            continue
        between = cv2.bitwise_and(cv2.dilate(one, near), cv2.dilate(other, near))
        # Where they meet, a shadow's step grades from one to the other; grout is darker than both.
        if np.count_nonzero(between) < 15 or np.median(small[between > 0]) < NO_DARK_LINE * darker:
            continue
        found, area = _card_joined(small, one | other, 11, best_area)
        if found is not None:
            best, best_area = found, area
    return best


def _a_shadows_share(darker, lighter):
    """Whether ``darker`` is what a shadow leaves of ``lighter`` (numbers or arrays alike)."""
    return (darker >= SHADOW_DEPTH[0] * lighter) & (darker <= SHADOW_DEPTH[1] * lighter)


def _card_joined(small: np.ndarray, parts: np.ndarray, gap: int, least: float) -> tuple[np.ndarray | None, float]:
    """The card made of the ``parts`` of a card (a mask) either side of a shadow's edge, the gap
    between them (up to ``gap`` pixels) closed: as ``_card_among`` finds it, larger than ``least``."""
    joined = cv2.morphologyEx(parts, cv2.MORPH_CLOSE, np.ones((gap, gap), np.uint8))
    outlines, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    found, area = _card_among(small, outlines, least, EDGE_STEP, by_edges=True)
    if found is None:  # a card darker than a bright desk all round, a shadow across it
        found, area = _card_among(small, outlines, least, 1 / EDGE_STEP, by_edges=True)
    return found, area


def _bright_shapes(small: np.ndarray):
    """The picture above several brightness levels, as masks of its bright shapes."""
    otsu, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Light falling off across the card may take a corner of it below Otsu's level, and a bright
    # desk may join the paper above it: levels either side of it are tried too.
    for level in (otsu, 0.85 * otsu, 0.7 * otsu, 1.15 * otsu, 1.3 * otsu):
        _, bright = cv2.threshold(small, level, 255, cv2.THRESH_BINARY)
        # The digits are holes in the card, and a finger may bite into its edge: close what is small.
        # Then open: a thin streak of bright desk no longer joins the card to a speck or the border.
        bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        yield cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))


def _edge_bounded_outlines(small: np.ndarray, low: float) -> list[np.ndarray]:
    """The outlines of the regions the picture's edges (``low``: Canny's weaker level) enclose. A
    card on a desk about as bright as itself, or on a pattern with bright parts touching it, is no
    shape of its own above any level, but its outline is still an edge all round."""
    edges = cv2.Canny(small, low, 2 * low, L2gradient=True)
    enclosed = cv2.bitwise_not(cv2.dilate(edges, np.ones((2 * EDGE_GROWTH + 1,) * 2, np.uint8)))
    # Two levels: each region's outer outline, and its holes'. A region inside a hole (the card
    # inside the desk around it) has an outer outline of its own, at the top level again.
    contours, hierarchy = cv2.findContours(enclosed, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hierarchy is None:
        return []
    return [contour for contour, links in zip(contours, hierarchy[0], strict=True) if links[3] < 0]


def _quadrilaterals(outlines, min_area: float, picture: np.ndarray):
    """The shapes with ``outlines`` larger than ``min_area`` (small picture): for each, its
    candidate quads (see ``_candidates``) and its area."""
    for outline in outlines:
        area = cv2.contourArea(outline)
        if area >= min_area:
            yield _candidates(outline, area, picture), area


def _candidates(contour: np.ndarray, area: float, bright: np.ndarray):
    """A shape's four-cornered outlines, each corner where two straight lines fitted to its sides
    meet: the polygon fit's, then the widest four's, then where its four longest sides meet (a
    corner cut off), then its four straightest sides (a patch of desk joined to one), each if it
    differs from those before. Each is built only when the one before it was not the card."""
    points = contour.reshape(-1, 2).astype(np.float32)
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    built: list[np.ndarray] = []  # a later quad with the same corners is not tried again
    quad = quad_fit.four_corners(hull, perimeter)
    if quad is not None and _like_the_shape(quad, area, bright):
        built.append(quad_fit.fitted(points, quad))
        yield built[-1]
    widest = quad_fit.widest_four(hull, perimeter)
    if widest is not None and _like_the_shape(widest, area, bright):
        widest = quad_fit.fitted(points, widest)
        if not quad_fit.among(widest, built):
            yield widest
        built.append(widest)
    # A corner cut off (a soft shadow across it, darker than the level): the card's four longest
    # sides still lie on its edge, and meet where the corner is.
    extended = quad_fit.longest_sides(hull, perimeter)
    if (
        extended is not None
        and area <= cv2.contourArea(extended) <= BITE * area
        and paper_checks.whole(extended, bright)
        # All along each side, so the lit part of a card a hard shadow cuts is not grown past it.
        and paper_checks.outlined(
            bright, edge_snap.snapped(bright, extended, EDGE_GROWTH), EDGE_STEP, all_along=0.95, either_way=True
        )
        and not quad_fit.among(extended, built)
    ):
        built.append(extended)
        yield extended
    # A patch of desk joined to a side bends the hull, but the card's four sides are still straight.
    straight = quad_fit.straightest_sides(points, perimeter)
    if straight is not None and _like_the_shape(straight, area, bright) and not quad_fit.among(straight, built):
        yield straight


def _like_the_shape(quad: np.ndarray, area: float, picture: np.ndarray) -> bool:
    """Whether ``quad`` is little larger than a shape of ``area`` (not a blob, a face, a bitten
    shape) and holds nearly all of it (not an oval), with no corner on ``picture``'s border."""
    return area / 1.1 <= cv2.contourArea(quad) <= 1.15 * area and paper_checks.whole(quad, picture)
