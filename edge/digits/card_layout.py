"""The printed digit card's geometry, in millimetres: what ``edgecam card print`` draws and what
the loop expects to find.

An A6 card in landscape (148 x 105 mm) with an ArUco marker (4x4, ids 0-3) at each corner,
clockwise from the top left, and a box to write in between the marker rows. Any one marker
fixes where the box is, so a card is found with a hand over a corner; the box is read only
inside its line, so neither the card's edge nor the markers can become a digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CARD_MM = (148.0, 105.0)  # width, height
MARKER_MM = 20.0
MARGIN_MM = 6.0  # from the card's edge to a marker: the white quiet zone ArUco needs
MARKER_IDS = (0, 1, 2, 3)  # top left, top right, bottom right, bottom left
BOX_MM = (6.0, 30.0, 136.0, 45.0)  # x, y, w, h of the writing box
BOX_LINE_MM = 0.8
READ_INSET_MM = 4.0  # read this far inside the box's line: the line itself, even blurred, is no digit
DICTIONARY = cv2.aruco.DICT_4X4_50
MARKER_CELLS = 6  # 4x4 data bits inside a one-cell black border


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def corners(self) -> np.ndarray:
        """Clockwise from the top left, 4 x 2."""
        return np.array(
            [
                [self.x, self.y],
                [self.x + self.w, self.y],
                [self.x + self.w, self.y + self.h],
                [self.x, self.y + self.h],
            ],
            np.float32,
        )


def marker_rects() -> dict[int, Rect]:
    width, height = CARD_MM
    far_x, far_y = width - MARGIN_MM - MARKER_MM, height - MARGIN_MM - MARKER_MM
    places = [(MARGIN_MM, MARGIN_MM), (far_x, MARGIN_MM), (far_x, far_y), (MARGIN_MM, far_y)]
    return {marker: Rect(x, y, MARKER_MM, MARKER_MM) for marker, (x, y) in zip(MARKER_IDS, places, strict=True)}


def read_rect() -> Rect:
    """The part of the card the digits are read from: the box, inside its line."""
    x, y, w, h = BOX_MM
    inset = READ_INSET_MM
    return Rect(x + inset, y + inset, w - 2 * inset, h - 2 * inset)


def dictionary() -> cv2.aruco.Dictionary:
    return cv2.aruco.getPredefinedDictionary(DICTIONARY)


def marker_cells(marker: int) -> np.ndarray:
    """The marker as a 6x6 grid of cells, True where the cell is black."""
    return cv2.aruco.generateImageMarker(dictionary(), marker, MARKER_CELLS) == 0


def black_rects() -> list[Rect]:
    """Every black cell of the four markers, in card millimetres (runs of cells in a row merged)."""
    cell = MARKER_MM / MARKER_CELLS
    rects = []
    for marker, place in marker_rects().items():
        cells = marker_cells(marker)
        for row in range(MARKER_CELLS):
            col = 0
            while col < MARKER_CELLS:
                if not cells[row, col]:
                    col += 1
                    continue
                start = col
                while col < MARKER_CELLS and cells[row, col]:
                    col += 1
                rects.append(Rect(place.x + start * cell, place.y + row * cell, (col - start) * cell, cell))
    return rects
