"""Find the card in a picture: its ArUco markers, or else a bright four-cornered shape.

Either way the answer is a homography from the card's own plane to the picture and the
rectangle of that plane to read, so the reader sees the card upright whatever its tilt,
and only what is inside the card's border (or the printed box's line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from edgecam.edge.digits import card_layout as layout
from edgecam.edge.digits.box_snap import snapped_to_box
from edgecam.edge.digits.dim_light import brightened
from edgecam.edge.digits.paper_search import paper_quad, tracked_quad

READ_HEIGHTS = (64, 160)  # pixels: the upright read area is as tall as it is seen, within these
PAPER_INSET = 0.04  # of a plain card's height, read inside its edge on every side
NEAR_EDGE_INSET = 0.02  # ... or this, for writing that reaches into that border (``near_the_edge``)
CHECK_PER_MM = 2.0  # pixels per millimetre of the card warped upright to tell the printed card
MARKER_DARK = 0.75  # a marker square's mean, against the paper around it, at most this: a marker
TRACK_MARGIN = 0.12  # of the card's larger side: a followed card's window (a shake, and the desk beyond its sides)


@dataclass
class CardView:
    homography: np.ndarray  # card plane -> picture, 3 x 3
    read: layout.Rect  # in card plane units
    kind: str  # "aruco" or "paper"
    markers: int = 0  # ArUco markers seen

    def quad(self) -> np.ndarray:
        """The read area's corners in the picture, clockwise from the top left, 4 x 2."""
        corners = self.read.corners().reshape(-1, 1, 2)
        return cv2.perspectiveTransform(corners, self.homography).reshape(4, 2)

    def outline(self) -> np.ndarray:
        """The card's own edge in the picture (4 x 2): the printed card's, or a plain card's."""
        edge = self.whole().corners().reshape(-1, 1, 2)
        return cv2.perspectiveTransform(edge, self.homography).reshape(4, 2)

    def whole(self) -> layout.Rect:
        """The whole card in its own plane."""
        if self.kind == "paper":  # its read area is the card inset by the same width all round
            return layout.Rect(0, 0, 2 * self.read.x + self.read.w, 2 * self.read.y + self.read.h)
        return layout.Rect(0, 0, *layout.CARD_MM)

    def size(self) -> tuple[int, int]:
        quad = self.quad()
        seen = (np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
        # Read at the resolution the camera gave: shrinking breaks thin strokes apart, enlarging
        # adds nothing but time. A card seen very small is enlarged to a readable size.
        height = int(np.clip(round(seen), *READ_HEIGHTS))
        return max(8, round(height * self.read.w / self.read.h)), height

    def upright(self, picture: np.ndarray) -> np.ndarray:
        """The read area warped to face the camera, at about the size it is seen."""
        return self.plane_picture(picture, self.read, self.scale())

    @cached_property
    def _from_picture(self) -> np.ndarray:
        """The picture to the card's plane: one inverse for every picture taken of the plane."""
        return np.linalg.inv(self.homography)

    def scale(self) -> float:
        """Pixels of ``upright``'s picture to a unit of the card's plane."""
        return self.size()[1] / self.read.h

    def plane_picture(self, picture: np.ndarray, rect: layout.Rect, scale: float) -> np.ndarray:
        """``rect`` of the card's plane (it may reach past the card) warped upright from ``picture``,
        ``scale`` pixels to a unit."""
        to_rect = np.array([[scale, 0, -rect.x * scale], [0, scale, -rect.y * scale], [0, 0, 1]], np.float64)
        matrix = to_rect @ self._from_picture
        size = (max(8, round(rect.w * scale)), max(8, round(rect.h * scale)))
        return cv2.warpPerspective(picture, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def near_the_edge(self) -> CardView:
        """A plain card read closer to its edge: digits written near the edge reach into the usual
        border. The card's outline stays where it is. (A printed card is read in its box.)"""
        whole = self.whole()
        return CardView(self.homography, paper_read_area(whole.w, whole.h, NEAR_EDGE_INSET), self.kind)

    def moved_by(self, offset: tuple[float, float]) -> CardView:
        """The same view in a picture whose origin is ``offset`` (x, y) in this one's."""
        shift = np.array([[1, 0, offset[0]], [0, 1, offset[1]], [0, 0, 1]], np.float64)
        return CardView(shift @ self.homography, self.read, self.kind, self.markers)


class CardFinder:
    def __init__(self) -> None:
        # A blur rounds a marker's corners. Lines fitted to its sides meet where the corner was;
        # a corner search (CORNER_REFINE_SUBPIX) settles inside the rounding, and three blurred
        # markers then placed the box 2-4 mm off (docs/benchmarks.md, fifty-fifth pass).
        self.aruco = _marker_detector(cv2.aruco.CORNER_REFINE_CONTOUR)
        self.aruco_by_corners = _marker_detector(cv2.aruco.CORNER_REFINE_SUBPIX)
        self.places = layout.marker_rects()

    def __call__(self, grey: np.ndarray, round_the_writing: bool = True) -> CardView | None:
        """The card in ``grey`` (a frame or the ROI), its markers first; a plain card also in
        windows round the writing in view, when ``round_the_writing`` (see ``paper_quad``)."""
        return self.by_markers(grey) or by_paper(grey, round_the_writing)

    def track(self, grey: np.ndarray, card: CardView) -> CardView | None:
        """``card``, found a moment ago, where it is now in ``grey`` if it has moved no further than
        a hand shakes it: a plain or printed card's edges followed from where they were, at a
        fraction of a search's cost. None for a card found by its markers (finding them is cheap)
        or one that is not there any more: then the card is looked for."""
        if card.kind == "aruco":
            return None
        height, width = grey.shape[:2]
        outline = card.outline()
        margin = TRACK_MARGIN * float(np.ptp(outline, axis=0).max())
        x0, y0 = np.maximum(np.floor(outline.min(axis=0) - margin), 0).astype(int)
        x1, y1 = np.ceil(outline.max(axis=0) + margin).astype(int)
        x1, y1 = min(int(x1), width), min(int(y1), height)
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        window = grey[y0:y1, x0:x1]
        quad = tracked_quad(window, (outline - (x0, y0)).astype(np.float32))
        if quad is None:
            return None
        found = by_paper_quad(window, quad)
        return found.moved_by((int(x0), int(y0))) if found.kind == card.kind else None

    def _markers(self, grey: np.ndarray) -> tuple[Sequence[cv2.typing.MatLike], cv2.typing.MatLike | None]:
        """The markers in ``grey``: their corners and ids (None when there are none)."""
        try:
            corners, ids, _ = self.aruco.detectMarkers(grey)
        except cv2.error:
            # OpenCV's line fit asserts on a candidate with a side of one contour point (a checked
            # cloth's squares through JPEG: 1 frame of 2,800 held-out ones); a corner search has no
            # such step.
            corners, ids, _ = self.aruco_by_corners.detectMarkers(grey)
        return corners, ids

    def by_markers(self, grey: np.ndarray) -> CardView | None:
        # In a dim room a marker's black and white are a few grey levels apart, under the
        # detector's thresholds.
        corners, ids = self._markers(brightened(grey, every=4))
        if ids is None:
            return None
        card_points, picture_points = [], []
        for marker, found in zip(ids.ravel(), corners, strict=True):
            if int(marker) in self.places:
                card_points.append(self.places[int(marker)].corners())
                picture_points.append(found.reshape(4, 2))
        if len(card_points) < 2:  # one marker's four corners are too close together to place the box
            return None
        homography, _ = cv2.findHomography(np.concatenate(card_points), np.concatenate(picture_points))
        if homography is None:
            return None
        if len(card_points) == 2:  # their eight corners, blurred, may place the box's far end off
            homography = snapped_to_box(grey, homography)
        return CardView(homography, layout.read_rect(), "aruco", len(card_points))


def _marker_detector(refinement: int) -> cv2.aruco.ArucoDetector:
    parameters = cv2.aruco.DetectorParameters()
    parameters.cornerRefinementMethod = refinement
    return cv2.aruco.ArucoDetector(layout.dictionary(), parameters)


def by_paper(grey: np.ndarray, round_the_writing: bool = True) -> CardView | None:
    """A card found as plain paper (``paper_search``), as ``by_paper_quad`` makes it, or None."""
    quad = paper_quad(grey, round_the_writing)
    return by_paper_quad(grey, quad) if quad is not None else None


def by_paper_quad(grey: np.ndarray, quad: np.ndarray) -> CardView:
    """The card whose edge is ``quad`` in ``grey``: the printed card if its box shows, else a plain
    card read inside its edge."""
    printed = cv2.getPerspectiveTransform(layout.Rect(0, 0, *layout.CARD_MM).corners(), quad)
    if _shows_the_box(grey, printed):
        return CardView(printed, layout.read_rect(), "printed")
    card_w = float(np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    card_h = float(np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    plane = layout.Rect(0, 0, card_w, card_h).corners()
    homography = cv2.getPerspectiveTransform(plane, quad)
    return CardView(homography, paper_read_area(card_w, card_h, PAPER_INSET), "paper")


def paper_read_area(width: float, height: float, inset: float) -> layout.Rect:
    """A plain card's read area in its plane (``width`` x ``height``): inside its edge by ``inset``
    of its height on every side."""
    border = inset * height
    return layout.Rect(border, border, width - 2 * border, height - 2 * border)


def _shows_the_box(grey: np.ndarray, homography: np.ndarray) -> bool:
    """Whether the card is ``edgecam card print``'s (its markers blurred or covered past finding):
    its writing box's top and bottom lines are dark rows across nearly all of the box's width, or
    its marker squares are dark patches in their quiet zones (a box line too faint to show)."""
    to_card = np.diag([CHECK_PER_MM, CHECK_PER_MM, 1.0]) @ np.linalg.inv(homography)
    size = (round(layout.CARD_MM[0] * CHECK_PER_MM), round(layout.CARD_MM[1] * CHECK_PER_MM))
    card = cv2.warpPerspective(grey, to_card, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    return _box_lines(card) or _marker_squares(card)


def _box_lines(card: np.ndarray) -> bool:
    """Whether the writing box's top and bottom lines show in ``card`` (warped upright)."""
    x, y, w, h = (round(v * CHECK_PER_MM) for v in layout.BOX_MM)
    columns = slice(x + 10, x + w - 10)
    for line, inwards in ((y, 1), (y + h, -1)):
        middle = card[line - 4 : line + 5, columns].astype(np.float32)  # the line's rows, give or take 2 mm
        near, far = sorted((line + inwards * 6, line + inwards * 11))
        beside = card[near:far, columns].astype(np.float32)  # inside the box, beside the line
        paper = np.partition(beside, len(beside) // 2, axis=0)[len(beside) // 2]  # its median, 10x faster
        # A blurred line is faint, but darker than the paper beside it at nearly every column.
        if (middle.min(axis=0) < 0.93 * paper).mean() < 0.85:
            return False
    return True


def _marker_squares(card: np.ndarray) -> bool:
    """Whether three of the four marker squares are much darker than the paper just around them:
    a marker's cells are mostly black, and however blurred, the square stays dark on average, where
    a plain card's corners are as light as the paper around them (docs/cards.md)."""
    inset, ring = 4, 6  # pixels: 2 mm inside a marker's edge, and 3 mm of the quiet zone around it
    dark = 0
    for place in layout.marker_rects().values():
        x0, y0 = round(place.x * CHECK_PER_MM), round(place.y * CHECK_PER_MM)
        x1, y1 = round((place.x + place.w) * CHECK_PER_MM), round((place.y + place.h) * CHECK_PER_MM)
        around = np.concatenate(
            [
                card[y0 - ring : y0 - 1, x0:x1].ravel(),
                card[y1 + 1 : y1 + ring, x0:x1].ravel(),
                card[y0:y1, x0 - ring : x0 - 1].ravel(),
                card[y0:y1, x1 + 1 : x1 + ring].ravel(),
            ]
        )
        inside = card[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
        dark += float(inside.mean()) < MARKER_DARK * max(float(np.median(around)), 1.0)
    return dark >= 3
