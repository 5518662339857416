"""How well the paper search finds a plain card: scores the card tests share."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from edgecam.edge.digits.card_find import CardView, by_paper_quad
from edgecam.edge.digits.paper_search import outline_quad
from tests.finder_tuning_scenes import scene


def by_outline(grey: np.ndarray) -> CardView | None:
    """The card the paper search finds by its outline (not a box round writing alone,
    ``lone_writing``), as ``by_paper`` makes it, or None."""
    quad = outline_quad(grey)
    return by_paper_quad(grey, quad) if quad is not None else None


def off_by(found: np.ndarray, corners: np.ndarray) -> float:
    """How far the worst of ``found``'s corners lies from the nearest of the true ``corners``."""
    return float(np.linalg.norm(found[:, None] - corners[None], axis=2).min(axis=1).max())


def off_share(card, corners: np.ndarray) -> float:
    """How far the found ``card``'s worst corner lies from the true ``corners``, as a share of the
    card's diagonal."""
    return off_by(card.outline(), corners) / float(np.linalg.norm(corners[2] - corners[0]))


def a_card_in_view(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The corners of a card about 320 x 210 px, a little turned, somewhere in a 640 x 480 view,
    and its mask (1 on the card)."""
    x0, y0 = rng.uniform(80, 200), rng.uniform(80, 160)
    corners = np.float32([[x0, y0], [x0 + 320, y0 + 20], [x0 + 300, y0 + 210], [x0 - 20, y0 + 190]])
    card = np.zeros((480, 640), np.uint8)
    cv2.fillConvexPoly(card, corners.astype(np.int32), 1, cv2.LINE_AA)
    return corners, card


def searched(picture: np.ndarray, corners: np.ndarray, rng: np.random.Generator) -> str:
    """The paper search for a card's outline (``by_outline``) over ``picture`` seen with a sensor's
    noise (2 grey levels) and a lens's blur: "whole" when it finds the card with ``corners`` (each
    within 12 px), "misplaced" when it finds it elsewhere, "none" when it finds nothing."""
    grey = picture + rng.normal(0, 2, picture.shape)
    found = by_outline(cv2.GaussianBlur(np.clip(grey, 0, 255), (3, 3), 0).astype(np.uint8))
    if found is None:
        return "none"
    return "whole" if off_by(found.outline(), corners) <= 12 else "misplaced"


def whole_and_misplaced(
    rng: np.random.Generator,
    scenes: int,
    seen: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    **kind,
) -> tuple[int, int]:
    """Of ``scenes`` tuning desks with a plain card (``kind``: ``scene``'s options), how many
    cards the paper search finds whole by their outline (within 3 % of the diagonal; a box round
    writing alone is not looked for) and how many misplaced; ``seen(grey, rng)``, when given, is
    how the camera sees each desk."""
    whole = misplaced = 0
    for _ in range(scenes):
        shot = scene(rng, **kind)
        card = by_outline(seen(shot.grey, rng) if seen else shot.grey)
        if card is not None:
            off = off_share(card, shot.corners)
            whole += off < 0.03
            misplaced += off >= 0.03
    return whole, misplaced
