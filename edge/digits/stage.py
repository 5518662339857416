"""The loop's digit stage: find the card (in the ROI, or anywhere in view), read it upright, and
settle the text over frames."""

from __future__ import annotations

import cv2
import numpy as np

from edgecam.edge.digits.card_find import CardFinder, CardView
from edgecam.edge.digits.content_change import ContentChange
from edgecam.edge.digits.model import DigitModel
from edgecam.edge.digits.past_the_edge import writing_past_the_edge
from edgecam.edge.digits.reader import DigitReader, ReaderSettings, Reading, unsure
from edgecam.edge.digits.segment import RUNS_OFF
from edgecam.edge.digits.stabilizer import Stabilizer
from edgecam.edge.errors import ConfigError
from edgecam.edge.faces.detect import Box

NO_CARD = "no card in view"
BLANK_SHAPE = "a bright shape with nothing written on it: a blank card, or no card at all"
PAST_THE_EDGE = "writing goes on past the card's side: only part of the card may be seen (a shadow across it?)"


class CardWarp:
    """Four corners of a tilted card or display -> an upright rectangle, so digits are read
    as if the card faced the camera."""

    def __init__(self, corners: list[int]):
        quad = np.array(corners, np.float32).reshape(4, 2)
        width = int(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
        height = int(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
        target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
        self.matrix = cv2.getPerspectiveTransform(quad, target)
        self.size = (max(width, 1), max(height, 1))
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        self.bounds = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        return cv2.warpPerspective(
            frame, self.matrix, self.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )


class DigitStage:
    """Reads the card, but only when it shows something new: a card held still, or shaking in a
    hand, is read once, and again every REREAD_AFTER frames (SEARCH_EVERY while the reading of a
    card in view is unsure). With no ROI and no card in view, the frame is searched at most every
    SEARCH_EVERY frames however much it changes.

    With fixed corners the card is taken to be there. Otherwise it is looked for in the ROI (or
    the whole frame): its ArUco markers, or a bright four-cornered shape. Between reads only the
    card's own part of the frame is watched, so people moving elsewhere cost nothing. When that
    part changed, the card is followed from where it was (a new card held in its place costs a
    read), and looked for again only when that fails. A ROI with no card inside it or around it
    is read as it is (a display, say).
    """

    REREAD_AFTER = 15
    SEARCH_EVERY = 3
    # Pixels: a smaller shift is the measure's own noise, and following it over hours of rereads
    # would walk the card off its place.
    SHAKE_FOLLOWED = 1.0

    def __init__(
        self,
        model_path: str,
        roi: list[int],
        threads: int,
        min_probability: float,
        stable_frames: int,
        corners: list[int] | None = None,
        sure: float = ReaderSettings.sure,
    ):
        settings = ReaderSettings(min_probability=min_probability, sure=sure)
        self.reader = DigitReader(DigitModel(model_path, threads), settings)
        self.finder = CardFinder()
        self.stable_frames = stable_frames
        self.reads = 0  # frames the card was read on
        self.searches = 0  # of them, frames it was looked for (not followed from where it was)
        self.move_to(roi, corners)

    def move_to(self, roi: list[int], corners: list[int] | None = None) -> None:
        """Read another region from the next frame on (the live page's setup), from a fresh start."""
        self.warp = CardWarp(corners) if corners else None
        self.roi: Box | None = self.warp.bounds if self.warp else ((roi[0], roi[1], roi[2], roi[3]) if roi else None)
        self.stabilize = Stabilizer(self.stable_frames, self.reader.settings.sure)
        self.card: CardView | None = None  # the card found last, in frame coordinates
        self._checked = False
        self._change = ContentChange()
        self._unread = 0  # frames since the card was last read
        self._last: Reading | None = None
        self._raw_text: str | None = ""  # the last read's own text, before the vote
        # The text the card in view read with no writing past its side: read again unchanged, it
        # is not looked past again (``read_upright``'s check costs a third of a read).
        self._whole_text: str | None = None
        self._around = False  # the card was last found around the ROI (drawn inside it), not in it

    def region(self, frame: np.ndarray) -> tuple[int, int, int, int]:
        height, width = frame.shape[:2]
        if self.roi is None:
            return 0, 0, width, height
        x, y, w, h = self.roi
        if not self._checked and (x + w > width or y + h > height):
            raise ConfigError(
                f"The ROI {x},{y},{w},{h} reaches outside the {width}x{height} frame; "
                "set digits.roi (or --roi) inside it."
            )
        self._checked = True
        return x, y, w, h

    def outline(self) -> np.ndarray | None:
        """The read area's corners in the frame (4 x 2) when a card was found, for the overlay."""
        return self.card.quad() if self.card is not None else None

    def __call__(self, frame: np.ndarray) -> Reading:
        # Most frames only look at the card's part of the frame: the whole of it is made grey only
        # when the card is read.
        watched = self._watched(frame)
        last = self._last
        settled = last is not None and last.text == self._raw_text
        self._unread += 1
        # A reading also grows stale: one made through a blur the change test does not see as new
        # (a shake, a moment of bad light) is made again within half a second at most.
        # An unsure reading of a card in view (a blur, a hand) is tried again sooner.
        sooner = last is not None and last.unsure and self.card is not None
        stale = self._unread >= (self.SEARCH_EVERY if sooner else self.REREAD_AFTER)
        changed = last is None or self._change(watched)
        if last is not None and settled and not stale and not changed:
            return last  # nothing new where the card is, and the vote agrees with it: the reading stands
        if last is not None and self._unread < self.SEARCH_EVERY and self._searching_the_frame():
            # With no card in view, people moving change the whole frame on most frames, and the
            # search of it (windows round any writing included) costs several reads.
            return last
        self._unread = 0
        self.reads += 1
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if self.card is not None and not changed:
            # Nothing new, so the card is still there, moved by the shake the change test undid:
            # it is read again where it is now, not looked for again.
            if max(map(abs, self._change.shift)) >= self.SHAKE_FOLLOWED:
                self.card = self.card.moved_by(self._change.shift)
            raw = read_upright(self.reader, self.card, grey, self._whole_text)
        else:
            raw = self._read(grey)
        self._whole_text = raw.text if self.card is not None and raw.text and not raw.unsure else None
        self._change.seen(self._watched(grey))
        self._raw_text = raw.text
        self._last = reading = self.stabilize(raw)
        return reading

    def _searching_the_frame(self) -> bool:
        """Whether the next read is a search of the whole frame: no ROI, no fixed corners, no card."""
        return self.roi is None and self.card is None

    def _read(self, grey: np.ndarray) -> Reading:
        if self.warp is not None:
            return self.reader.read(self.warp(grey))
        box = self.region(grey)
        reading = self._read_tracked(grey, box)
        if reading is None:
            self.searches += 1
            reading, self.card = read_card(grey, self.finder, self.reader, box, self.roi is not None, self._around)
        if self.card is not None:  # found around the box, not inside it: look there first next time
            x, y, w, h = box
            corners = self.card.quad()
            self._around = bool((corners.min(axis=0) < (x, y)).any() or (corners.max(axis=0) > (x + w, y + h)).any())
        return reading

    def _read_tracked(self, grey: np.ndarray, box: Box) -> Reading | None:
        """The card followed from where it was last found and read there, if that reading is sure:
        a new card held where the last one was, or new writing on it, costs a read, not a search.
        None leaves it to the search, as does a card that has left the region it was found in."""
        if self.card is None:
            return None
        card = self.finder.track(grey, self.card)
        if card is None:
            return None
        x, y, w, h = box
        edge = card.outline()
        if self._around:
            stays = _holds_centre(edge, box)
        else:
            stays = bool((edge.min(axis=0) >= (x, y)).all() and (edge.max(axis=0) <= (x + w, y + h)).all())
        if not stays:
            return None
        reading = read_upright(self.reader, card, grey)
        if reading.unsure or (card.kind == "paper" and reading.text == ""):
            return None  # what the search makes of it stands, as it did before cards were followed
        self.card = card
        return reading

    def _watched(self, frame: np.ndarray) -> np.ndarray:
        """The part of the frame (grey or colour) whose change means the card may read differently now."""
        if self.warp is not None:
            return self.warp(frame)
        x, y, w, h = self.region(frame)
        if self.card is not None:
            quad = self.card.quad()
            x0, y0 = np.floor(quad.min(axis=0)).astype(int)
            x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
            right, bottom = min(x + w, x1), min(y + h, y1)
            x, y = max(x, x0), max(y, y0)
            w, h = right - x, bottom - y
        return frame[y : y + max(h, 1), x : x + max(w, 1)]


def read_card(
    grey: np.ndarray,
    finder: CardFinder,
    reader: DigitReader,
    box: Box,
    read_box_without_card: bool,
    around_first: bool = False,
) -> tuple[Reading, CardView | None]:
    """The card found in ``box`` of ``grey``, read upright, and where it is (frame coordinates).

    With no card inside the box, a card around it (the box grown by a quarter each way) is read
    instead if it holds the box's centre: a ROI drawn inside the card, whose edge a blur would
    smear into it (``around_first``: look there first, where the card was last found). Failing
    that the box itself is read if ``read_box_without_card``, else the reading is unsure: there
    is nothing to read. Plain paper with nothing read on it is unsure too (``BLANK_SHAPE``).
    """
    x, y, w, h = box
    height, width = grey.shape[:2]
    searches = [_inside, _around] if (w, h) != (width, height) else [_inside]
    for search in reversed(searches) if around_first else searches:
        card = search(grey, finder, box)
        if card is not None:
            reading = read_upright(reader, card, grey)
            if card.kind == "paper" and reading.text == "":
                # Markers or the printed box make a card a card; a plain bright shape with nothing
                # on it may be any pale thing in view (a note, a box, the lit part of the card).
                return unsure(BLANK_SHAPE), card
            return reading, card
    if read_box_without_card:
        return reader.read(grey[y : y + h, x : x + w]), None
    return unsure(NO_CARD), None


def read_upright(reader: DigitReader, card: CardView, grey: np.ndarray, whole_text: str | None = None) -> Reading:
    """``card`` in ``grey`` read upright; writing that runs off a plain card's read area is read
    again closer to the card's edge, and stands if it is whole there. A plain card with more
    writing just past its side is only part of a card (the rest in a shadow): it is unsure, unless
    its text is ``whole_text``, the text this card was already found whole with."""
    reading = reader.read(card.upright(grey))
    if card.kind != "paper":
        return reading
    if reading.reason == RUNS_OFF:
        # A stroke cut by the card's own edge, or an edge smeared in by blur, still runs off.
        closer_view = card.near_the_edge()
        closer = reader.read(closer_view.upright(grey))
        if closer.unsure:
            return reading
        reading, card = closer, closer_view
    checked = reading.text == whole_text
    if reading.text and not reading.unsure and not checked and writing_past_the_edge(card, grey, reading, reader.model):
        return unsure(PAST_THE_EDGE, reading.digits)
    return reading


def _inside(grey: np.ndarray, finder: CardFinder, box: Box) -> CardView | None:
    x, y, w, h = box
    # A ROI says where the card is, and is often drawn inside it: windows round the writing in it
    # would search the card's own paper again. They are for a small card anywhere in view.
    whole_frame = (w, h) == grey.shape[1::-1]
    found = finder(grey[y : y + h, x : x + w], round_the_writing=whole_frame)
    return found.moved_by((x, y)) if found is not None else None


def _around(grey: np.ndarray, finder: CardFinder, box: Box) -> CardView | None:
    x, y, w, h = box
    height, width = grey.shape[:2]
    x0, y0 = max(x - w // 4, 0), max(y - h // 4, 0)
    x1, y1 = min(x + w + w // 4, width), min(y + h + h // 4, height)
    found = finder(grey[y0:y1, x0:x1], round_the_writing=False)
    if found is None:
        return None
    card = found.moved_by((x0, y0))
    return card if _holds_centre(card.quad(), box) else None


def _holds_centre(corners: np.ndarray, box: Box) -> bool:
    """Whether the quad with ``corners`` (4 x 2) holds the centre of ``box``: a card around a ROI."""
    x, y, w, h = box
    return cv2.pointPolygonTest(corners.reshape(-1, 1, 2), (x + w / 2, y + h / 2), False) > 0
