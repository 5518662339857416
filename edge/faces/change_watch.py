"""Where the picture changed since the last frame, for a few microseconds a frame.

The tracker detects faces only every few frames. When someone steps in or out by a
cut (a door opens, the camera is turned) the old name stays and the newcomer goes
unseen until the next detection: 3 frames at the defaults, on every change of
people. A 40 x 30 thumbnail of each frame, compared with the last one, shows
such a change on the frame it happens, and where: the tracker then looks there
at once instead of waiting.

Each thumbnail is divided by its own mean brightness, so a camera's exposure
steps do not read as change; a cell has changed when it moved by 30 % of the
mean. People already tracked move and turn their heads all the time, so change
near them is not news; what is: change away from every tracked face (someone new),
a fifth of a tracked face's box changing at once (that face may have left or been
replaced: look whether it is still there, and who it is), or most of it (it was
replaced: whoever stands there is judged afresh). On the face loop's tuning scenes
(tests/face_loop_scenes.py, split "tune", seeds 1-3), change away from tracked faces
covered at least 1 % of the frame on 1 % of ordinary frames and on half the cuts; a
tracked box changed over 40 % of its cells on 1.5 % of ordinary frames and on 80 % of
the cuts; over 20 %, on 13 % of the frames between detections that held a tracked
face and no cut (a walking face), and on the departures and replacements that 40 %
missed: their share was 22-36 %.
"""

from __future__ import annotations

import cv2
import numpy as np

CELLS = (40, 30)  # thumbnail width, height


def thumbnail(grey: np.ndarray) -> np.ndarray:
    """The frame as CELLS, each divided by the mean brightness (exposure steps are not change)."""
    # Two steps: a bilinear shrink that reads only a few pixels per cell, then an area
    # average over those, for ~10 us where one area shrink of the whole frame takes ~80 us.
    half = cv2.resize(grey, (CELLS[0] * 2, CELLS[1] * 2), interpolation=cv2.INTER_LINEAR)
    thumb = cv2.resize(half, CELLS, interpolation=cv2.INTER_AREA).astype(np.float32)
    thumb /= thumb.mean() + 1.0
    return thumb


class ChangeWatch:
    def __init__(
        self, level: float = 0.3, elsewhere: float = 0.01, doubtful: float = 0.2, replaced: float = 0.4, ignore=None
    ):
        # ``ignore``: a box (frame pixels) whose changes are never news: the digit card's ROI, whose
        # text changes all the time (on the bench clip 21 of every 300 frames looked there for faces).
        self.ignore = ignore
        self.level = level  # change of a cell, as a share of the frame's mean brightness
        self.elsewhere = elsewhere  # share of the frame changed away from tracked faces that is news
        self.doubtful = doubtful  # share of a tracked face's box that, changed at once, asks for a look
        self.replaced = replaced  # share of a tracked face's box that, changed at once, is someone else
        self.previous: np.ndarray | None = None
        self.changed: np.ndarray | None = None  # the last frame's changed cells (CELLS[1] x CELLS[0] bool)
        self.stirred: np.ndarray | None = None  # the cells changed on any frame since the last ``settle``
        # Whether the last news was change away from the tracked faces (someone new may be anywhere
        # in it, at any size), rather than only tracked faces that changed.
        self.news_elsewhere = False
        self.cell = (1.0, 1.0)  # a cell's width and height in frame pixels

    def update(self, grey: np.ndarray) -> None:
        self.see(thumbnail(grey), grey.shape)

    def see(self, thumb: np.ndarray, shape: tuple[int, ...]) -> None:
        """``update`` with the frame's ``thumbnail`` already made; ``shape``: the frame's."""
        self.cell = (shape[1] / CELLS[0], shape[0] / CELLS[1])
        self.changed = None if self.previous is None else np.abs(thumb - self.previous) > self.level
        self.previous = thumb
        if self.changed is not None and self.ignore is not None:
            self.changed[self._cells(self.ignore)] = False
        if self.changed is not None:
            self.stirred = self.changed.copy() if self.stirred is None else self.stirred | self.changed

    def settle(self) -> None:
        """Forget the changes seen so far (the whole frame was just searched)."""
        self.stirred = None

    def stirred_away_from(self, tracked: list) -> bool:
        """Whether, since the last ``settle``, the picture changed away from the tracked faces
        (``tracked``: their boxes now) as much as news does on one frame: only then can someone
        new have come into view."""
        if self.stirred is None:
            return self.previous is None  # nothing seen yet, or nothing changed since
        elsewhere = self.stirred.copy()
        for box in tracked:
            elsewhere[self._cells(box, widen=0.5)] = False
        return bool(np.count_nonzero(elsewhere) >= self.elsewhere * elsewhere.size)

    def news(self, tracked: list) -> tuple[int, int, int, int] | None:
        """The box (x, y, w, h, frame pixels) around what changed in a way worth a look, given the
        boxes of the faces being tracked; None when nothing did."""
        self.news_elsewhere = False
        if self.changed is None:
            return None
        elsewhere = self.changed.copy()
        for box in tracked:
            elsewhere[self._cells(box, widen=0.5)] = False
        regions = [self._cells(box) for box in tracked if self.doubted_at(box)]
        if np.count_nonzero(elsewhere) >= self.elsewhere * elsewhere.size:
            self.news_elsewhere = True
            rows, columns = np.nonzero(elsewhere)
            regions.append((slice(rows.min(), rows.max() + 1), slice(columns.min(), columns.max() + 1)))
        if not regions:
            return None
        r0, r1 = min(r.start for r, _ in regions), max(r.stop for r, _ in regions)
        c0, c1 = min(c.start for _, c in regions), max(c.stop for _, c in regions)
        x0, y0 = int(c0 * self.cell[0]), int(r0 * self.cell[1])
        return x0, y0, int(c1 * self.cell[0]) - x0, int(r1 * self.cell[1]) - y0

    def doubted_at(self, box) -> bool:
        """Whether the tracked face in ``box`` changed enough at once to check it is still there, and who."""
        return self.share_changed(box) >= self.doubtful

    def replaced_at(self, box) -> bool:
        """Whether the tracked face in ``box`` changed too much at once to still be the same face."""
        return self.share_changed(box) >= self.replaced

    def share_changed(self, box) -> float:
        """How much of ``box`` (frame pixels) changed in the last frame, 0 to 1."""
        if self.changed is None:
            return 0.0
        cells = self.changed[self._cells(box)]
        return float(cells.mean()) if cells.size else 0.0

    def _cells(self, box, widen: float = 0.0) -> tuple[slice, slice]:
        """The thumbnail cells under ``box``, widened by ``widen`` of its size on every side."""
        x, y, w, h = box
        x, y, w, h = x - widen * w, y - widen * h, w * (1 + 2 * widen), h * (1 + 2 * widen)
        c0, r0 = max(0, int(x / self.cell[0])), max(0, int(y / self.cell[1]))
        c1 = min(CELLS[0], int(np.ceil((x + w) / self.cell[0])))
        r1 = min(CELLS[1], int(np.ceil((y + h) / self.cell[1])))
        return slice(r0, max(r0, r1)), slice(c0, max(c0, c1))
