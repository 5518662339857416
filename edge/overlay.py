"""Draw what the loop found onto the frame: faces, the ROI and its text, speed, time."""

from __future__ import annotations

import time

import cv2
import numpy as np

from edgecam.edge.digits.reader import Reading
from edgecam.edge.faces.recognizer import UNKNOWN, Face

GREEN, RED, YELLOW, WHITE, BLACK = (60, 200, 60), (50, 50, 230), (0, 215, 255), (255, 255, 255), (0, 0, 0)
GREY = (160, 160, 160)
FONT = cv2.FONT_HERSHEY_SIMPLEX
STATUS_BAR = 26  # pixels at the top taken by the FPS line


def _label(frame: np.ndarray, text: str, x: int, y: int, colour, scale: float = 0.55) -> None:
    """Text on a filled box, readable on any background."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, 1)
    y = max(y, h + base + 2)
    cv2.rectangle(frame, (x, y - h - base - 2), (x + w + 4, y + 2), colour, cv2.FILLED)
    cv2.putText(frame, text, (x + 2, y - base), FONT, scale, BLACK, 1, cv2.LINE_AA)


class Overlay:
    def draw(
        self,
        frame: np.ndarray,
        faces: list[Face],
        roi: tuple[int, int, int, int] | None,
        reading: Reading | None,
        fps: float,
        stage_ms: dict[str, float],
        card: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draws in place (the frame is ours for this iteration) and returns it."""
        for face in faces:
            x, y, w, h = face.box
            colour = RED if face.name == UNKNOWN else GREEN
            cv2.rectangle(frame, (x, y), (x + w, y + h), colour, 2)
            # Above the box, unless the status line at the top would hide it: then below.
            # A face at the frame's edge may have a box that starts past it: keep its name in view.
            _label(
                frame,
                f"{face.name} {face.confidence:.0%}",
                max(x, 0),
                y - 2 if y > STATUS_BAR + 22 else y + h + 22,
                colour,
            )
        label_at = (6, frame.shape[0] - 52)  # no ROI and no card in view: above the time stamp
        if roi is not None:
            x, y, w, h = roi
            cv2.rectangle(frame, (x, y), (x + w, y + h), YELLOW, 2)
            label_at = (x, y + h + 24)
            for digit in reading.digits if reading is not None else []:
                dx, dy, dw, dh = digit.box
                cv2.rectangle(frame, (x + dx, y + dy), (x + dx + dw, y + dy + dh), YELLOW, 1)
        if card is not None:
            # Not anti-aliased: that costs four times as much on every frame, and a 2 px line shows no steps.
            cv2.polylines(frame, [np.round(card).astype(np.int32)], True, YELLOW, 2, cv2.LINE_8)
            label_at = (max(int(card[:, 0].min()), 0), int(card[:, 1].max()) + 24)
        if reading is not None:
            _reading_label(frame, reading, *label_at)
        stages = "  ".join(f"{name} {ms:.1f}" for name, ms in stage_ms.items())
        _label(frame, f"{fps:5.1f} FPS   {stages} ms", 6, 20, WHITE, 0.45)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        _label(frame, stamp, 6, frame.shape[0] - 6, WHITE, 0.45)
        return frame


def _reading_label(frame: np.ndarray, reading: Reading, x: int, y: int) -> None:
    """The card's text in yellow; when unsure, the last confident text greyed, and why."""
    if not reading.unsure:
        _label(frame, f"{reading.text or '-'}  {reading.confidence:.0%}", x, y, YELLOW, 0.8)
        return
    _label(frame, f"{reading.held or '-'}  ?", x, y, GREY, 0.8)
    _label(frame, reading.reason or "unsure", x, y + 22, GREY, 0.45)
