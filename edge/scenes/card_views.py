"""A card seen by a camera from an angle: tilted out of its plane, turned a little, anywhere in view.

A pinhole camera looks at the card, rotated in 3-D about an axis in its plane; the
card's corners are projected and the card is warped there onto the background.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FOCAL = 1.2  # focal length in frame widths: a typical webcam's 45 degrees of view


@dataclass
class View:
    frame: np.ndarray
    quad: np.ndarray  # the card's corners in the frame, clockwise from its top left, 4 x 2


@dataclass
class Pose:
    tilt: float  # degrees out of the card's plane
    axis: float  # radians: the direction in the card's plane it is tilted about
    turn: float  # degrees in its plane
    share: float  # its width as a share of the frame's, before the tilt
    place: tuple[float, float]  # 0-1 across the room the frame leaves it, x and y

    def towards(self, other: Pose, step: float) -> Pose:
        """The pose ``step`` (0-1) of the way to ``other``: a card moved by hand between the two."""

        def mix(a: float, b: float) -> float:
            return a + (b - a) * step

        place = (mix(self.place[0], other.place[0]), mix(self.place[1], other.place[1]))
        return Pose(
            mix(self.tilt, other.tilt),
            mix(self.axis, other.axis),
            mix(self.turn, other.turn),
            mix(self.share, other.share),
            place,
        )


def random_pose(
    rng: np.random.Generator,
    tilt: tuple[float, float] = (0.0, 25.0),
    share: tuple[float, float] = (0.4, 0.6),
    turn: float = 10.0,
) -> Pose:
    return Pose(
        rng.uniform(*tilt),
        rng.uniform(0, np.pi),
        rng.uniform(-turn, turn),
        rng.uniform(*share),
        (rng.uniform(), rng.uniform()),
    )


def in_view(
    card: np.ndarray,
    background: np.ndarray,
    rng: np.random.Generator,
    tilt_degrees: float,
    width_share: tuple[float, float] = (0.4, 0.6),
    turn_degrees: float = 10.0,
) -> View:
    """``card`` (BGR) tilted ``tilt_degrees`` out of plane about a random axis in its plane, turned up
    to ``turn_degrees`` in plane, ``width_share`` of the frame wide, at a random place wholly in view."""
    return posed(card, background, random_pose(rng, (tilt_degrees, tilt_degrees), width_share, turn_degrees))


def posed(card: np.ndarray, background: np.ndarray, pose: Pose) -> View:
    """``card`` seen in ``pose`` by a pinhole camera, pasted on ``background``, wholly in view."""
    frame_h, frame_w = background.shape[:2]
    card_h, card_w = card.shape[:2]
    half_w, half_h = pose.share * frame_w / 2, pose.share * frame_w * card_h / card_w / 2
    plane = np.array([[-half_w, -half_h, 0], [half_w, -half_h, 0], [half_w, half_h, 0], [-half_w, half_h, 0]])
    axis = np.array([np.cos(pose.axis), np.sin(pose.axis), 0.0])
    tilt, _ = cv2.Rodrigues(axis * np.radians(pose.tilt))
    turn, _ = cv2.Rodrigues(np.array([0.0, 0.0, np.radians(pose.turn)]))
    focal = FOCAL * frame_w
    points = plane @ (tilt @ turn).T + np.array([0.0, 0.0, focal])  # as wide as share at the focal distance
    projected = focal * points[:, :2] / points[:, 2:3]
    low, high = projected.min(axis=0), projected.max(axis=0)
    room = np.array([frame_w, frame_h]) - (high - low) - 16
    offset = np.array(pose.place) * np.maximum(room, 0) + 8 - low  # wholly in view, 8 px from the edge
    quad = (projected + offset).astype(np.float32)
    source = np.array([[0, 0], [card_w - 1, 0], [card_w - 1, card_h - 1], [0, card_h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, quad)
    size = (frame_w, frame_h)
    warped = cv2.warpPerspective(card, matrix, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((card_h, card_w), 255, np.uint8), matrix, size, flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255)[:, :, None]
    frame = (background * (1 - alpha) + warped * alpha).astype(np.uint8)
    return View(frame, quad)


def covered(card: np.ndarray, corner: int, share: float = 0.25, rng: np.random.Generator | None = None) -> np.ndarray:
    """``card`` with a hand over ``share`` of it at ``corner`` (0-3 clockwise from the top left): a
    skin-toned patch as wide and tall as the card times sqrt(share), its inner corner rounded."""
    rng = rng or np.random.default_rng(0)
    out = card.copy()
    height, width = card.shape[:2]
    w, h = round(width * np.sqrt(share)), round(height * np.sqrt(share))
    x = 0 if corner in (0, 3) else width - w
    y = 0 if corner in (0, 1) else height - h
    mask = np.zeros((height, width), np.uint8)
    cv2.rectangle(mask, (x, y), (x + w - 1, y + h - 1), 255, cv2.FILLED)
    # Round the corner that points into the card: clear a square there, put a quarter circle back.
    radius = min(w, h) // 3
    left, top = corner in (0, 3), corner in (0, 1)
    inner_x, inner_y = (x + w - 1 if left else x), (y + h - 1 if top else y)
    sx, sy = (1 if left else -1), (1 if top else -1)
    cv2.rectangle(mask, (inner_x, inner_y), (inner_x - sx * radius, inner_y - sy * radius), 0, cv2.FILLED)
    cv2.circle(mask, (inner_x - sx * radius, inner_y - sy * radius), radius, 255, cv2.FILLED)
    skin = np.array([90, 125, 175], np.float32) * rng.uniform(0.7, 1.1)  # BGR
    texture = cv2.GaussianBlur(rng.normal(0, 8, (height, width)).astype(np.float32), (0, 0), 3)
    hand = np.clip(skin[None, None, :] + texture[:, :, None], 0, 255).astype(np.uint8)
    out[mask > 0] = hand[mask > 0]
    return out
