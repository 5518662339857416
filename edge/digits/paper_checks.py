"""Whether a four-cornered shape in the paper search's small picture is a plain card: tests on
the picture along its sides, beyond its corners and inside it. ``paper_search`` finds the shapes.
"""

from __future__ import annotations

import cv2
import numpy as np

PAPER_GRAIN = 0.08  # paper's own texture: within this share of its local level
PLAIN_SHARE = 0.7  # of a card's inside is plain paper; the rest is writing
CUT_STEP = 0.5  # of a side's step, still there past its end: the outline goes on
CUT_LEAST = 12  # grey levels: a side with a smaller step is not followed past its ends
INK_RIM = 0.7  # a written stroke is darker than this share of the paper
STEP_DEPTH = 4.0  # pixels: a step across a line is measured this far on each side of it
# of a side along which the picture past the rim is as bright as the paper again: paper all round
# a digit's hole, where a checked or patterned desk is bright in patches
BRIGHT_AGAIN = 0.8
TEXTURE_WINS = 2.5  # times the change from point to point inside: a textured desk beyond a side
TEXTURE_LEAST = 3  # grey levels from point to point: less is no texture
# Along a side that steps either way, light on the card and on the desk turns it from up to down
# this often at most (a bowed card's, twice); a textured desk turns it at every other point.
WAY_TURNS = 2


def a_card(small: np.ndarray, quad: np.ndarray, step_down: float, by_edges: bool, or_textured: bool) -> bool:
    """Whether the quad passes every test of a card: ``outlined`` by a step of ``step_down`` (or,
    ``or_textured``, by texture beyond; a shape found ``by_edges``, by a step either way), no hole
    in written paper and not cut short."""
    return (
        outlined(small, quad, step_down, or_textured=or_textured, either_way=by_edges)
        and not a_hole_in_paper(small, quad, by_edges=by_edges)
        and not cut_short(small, quad)
    )


def outlined(
    small: np.ndarray,
    quad: np.ndarray,
    step_down: float,
    depth: float = 4.0,
    or_textured: bool = False,
    all_along: float = 0.8,
    either_way: bool = False,
) -> bool:
    """Whether nearly all along each side the inside of the quad is ``step_down`` times as bright
    as the outside or more (below 1: that much darker or more, for a card darker than its desk),
    each the mean of ``depth`` pixels, so a textured desk's specks do not count: a side cut across
    the paper itself, where a corner was misplaced, is no card's edge. When ``or_textured``, a side
    also counts where the desk beyond it is textured and the paper inside is not (a card on print,
    stone or wood about as bright as itself). When ``either_way``, a point also counts where the
    step goes the other way, on a side where it turns no more than ``WAY_TURNS`` times: a card lit
    otherwise than its desk, or crossed by a hard shadow, is brighter than the desk along part of
    its edge and darker along the rest. ``all_along``: the share of each side that must step."""
    shares = _side_shares(small, quad, step_down, depth, either_way)  # side by side: the first short one ends it
    return all(
        share >= all_along or (or_textured and textured_beyond(small, quad, corner))
        for corner, share in enumerate(shares)
    )


def stepping_shares(
    small: np.ndarray, quad: np.ndarray, step_down: float, depth: float = 4.0, either_way: bool = False
) -> list[float]:
    """For each side, the share of it along which the quad's inside steps from the outside as
    ``outlined`` says: ``step_down`` times as bright or more (or, ``either_way``, that much
    darker too, unless the step turns more often than light does)."""
    return list(_side_shares(small, quad, step_down, depth, either_way))


def _side_shares(small: np.ndarray, quad: np.ndarray, step_down: float, depth: float, either_way: bool):
    steps = np.arange(0.5, depth + 0.25, 0.5, dtype=np.float32)
    brighter, darker = (step_down, 1 / step_down) if step_down > 1 else (1 / step_down, step_down)
    for corner in range(4):
        points, normal = side_points(quad, corner, 20)
        inside = along(small, points, -normal, steps).mean(axis=1)
        outside = along(small, points, normal, steps).mean(axis=1)
        up, down = inside > brighter * outside, inside < darker * outside
        # A step that turns more often than light does is a textured desk's: only the named way counts.
        either = either_way and _turns(up, down) <= WAY_TURNS
        yield float(np.mean(up | down if either else (up if step_down > 1 else down)))


def _turns(up: np.ndarray, down: np.ndarray) -> int:
    """How often the step along a side turns from up to down or back, where it steps at all."""
    ways = np.where(up, 1, -1)[up | down]
    return int(np.count_nonzero(ways[1:] != ways[:-1]))


def whole(quad: np.ndarray, picture: np.ndarray) -> bool:
    """Whether no corner lies on the searched area's border: a card cut by it is not whole, and
    a ROI that is all paper is no card. (The shape itself may touch the border where a bright
    patch of desk joins it.)"""
    return bool(within(quad, picture, 2).all())


def within(points: np.ndarray, picture: np.ndarray, margin: float) -> np.ndarray:
    """Per point, whether it lies at least ``margin`` pixels inside the picture's border."""
    height, width = picture.shape[:2]
    return np.asarray(((points >= margin) & (points <= np.array([width, height]) - 1 - margin)).all(axis=-1))


def textured_beyond(small: np.ndarray, quad: np.ndarray, corner: int) -> bool:
    """Whether, along the side from ``corner``, the picture just outside the quad changes from
    point to point much more than just inside it: texture beyond, plain paper within. It is
    measured along the side, so a line that runs beside it (a tile's grout round a tile) is no
    texture."""
    points, normal = side_points(quad, corner, 40)  # about 2 px apart on a card's side
    steps = np.arange(2.5, 10.25, 1.0, dtype=np.float32)  # clear of the edge itself
    inside = float(np.abs(np.diff(along(small, points, -normal, steps), axis=0)).mean())
    outside = float(np.abs(np.diff(along(small, points, normal, steps), axis=0)).mean())
    return outside > TEXTURE_WINS * max(inside, 1.0) and outside > TEXTURE_LEAST


def plain_inside(
    small: np.ndarray, quad: np.ndarray, at_least: float, shadowed: bool = False, share: float = PLAIN_SHARE
) -> bool:
    """Whether the quad holds plain paper, at least ``at_least`` bright: nearly all of it as bright
    as the paper around it, whatever the light does across it. Writing covers a little of a card;
    a patch of speckled stone, wood grain or print bounded by edges is texture all over."""
    size = (64, 40)
    target = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], np.float32)
    inside = cv2.warpPerspective(small, cv2.getPerspectiveTransform(quad.astype(np.float32), target), size)
    inside = inside[3:-3, 3:-3].astype(np.float32)  # off the edge itself
    if shadowed:  # a hard shadow's edge across the paper kept sharp: closed, barely smoothed
        paper = cv2.GaussianBlur(cv2.morphologyEx(inside, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)), (0, 0), 1)
    else:
        paper = cv2.dilate(inside, np.ones((7, 7), np.uint8))  # the ink taken away, the light left
        paper = cv2.GaussianBlur(paper, (0, 0), 4)
    plain = (np.abs(inside - paper) < PAPER_GRAIN * paper).mean() >= share
    return bool(plain and np.median(paper) >= at_least)


def cut_short(small: np.ndarray, quad: np.ndarray) -> bool:
    """Whether the outline goes on past a corner: the step from inside to outside along a side is
    still there, nearly all the way, beyond its end. Then the quad is part of something larger,
    such as the lit part of a card that a hard shadow's edge cuts across, and reading it would read
    part of the card."""
    beyond = np.linspace(0.1, 0.3, 8, dtype=np.float32)[:, None]
    points, normals = [], []
    for corner in range(4):  # per side: 12 points along it, then 8 past each of its ends
        start, end = quad[corner], quad[(corner + 1) % 4]
        on_side, normal = side_points(quad, corner, 12)
        points += [on_side, end + (end - start) * beyond, start + (start - end) * beyond]
        normals.append(np.repeat(normal[None], 28, axis=0))
    points_at = np.concatenate(points)
    step = step_across(small, points_at, np.concatenate(normals)).reshape(4, 28)
    # A point whose samples reach past the picture's border shows no step: the border's pixels,
    # repeated there, would carry a side's step on past a corner for a card near the border. A
    # corner on the border itself (a tile the frame cuts) is not judged so: its side may go on.
    judged = within(points_at, small, STEP_DEPTH).reshape(4, 28)
    corner_inside = within(quad, small, STEP_DEPTH)
    for corner in range(4):  # past the side's end (the next corner), then past its start (this one)
        judged[corner, 12:20] |= not corner_inside[(corner + 1) % 4]
        judged[corner, 20:] |= not corner_inside[corner]
    for side, side_judged in zip(step, judged, strict=True):
        size = float(np.median(side[:12]))  # of the step along the side itself
        if abs(size) <= CUT_LEAST:  # no step worth following: a desk as bright as the card
            continue
        stepping = (side * np.sign(size) > CUT_STEP * abs(size)) & side_judged
        if stepping[12:20].mean() >= 0.8 or stepping[20:].mean() >= 0.8:
            return True
    return False


def step_across(small: np.ndarray, points: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """At each point, how much brighter the picture is on the inner side of a line (against
    ``normal``, one or one per point) than on the outer: the means of 4 pixels on each side."""
    steps = np.arange(0.5, STEP_DEPTH + 0.25, 0.5, dtype=np.float32)
    return along(small, points, -normal, steps).mean(axis=1) - along(small, points, normal, steps).mean(axis=1)


def a_hole_in_paper(small: np.ndarray, quad: np.ndarray, by_edges: bool) -> bool:
    """Whether past the quad's dark rim the picture is as bright as inside it again, nearly all
    along three sides or more: the inside of a 0 written on a card the ROI sits in, not a card on
    a desk (a checked cloth is as bright again only in patches). A shape found ``by_edges`` may lie
    on a desk as bright as itself, so there a side counts only where an ink-dark rim lies between,
    and two such sides are enough."""
    inside_steps = np.arange(0.5, 4.25, 0.5, dtype=np.float32)
    short = float(min(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
    rim_steps = np.linspace(0.5, 0.3 * short, 8, dtype=np.float32)
    beyond_steps = np.linspace(0.3 * short, 0.6 * short, 6, dtype=np.float32)
    bright_again = 0
    for corner in range(4):
        points, normal = side_points(quad, corner, 12)
        inside = float(np.median(along(small, points, -normal, inside_steps)))
        beyond = np.median(along(small, points, normal, beyond_steps), axis=1)
        rim = float(np.median(along(small, points, normal, rim_steps).min(axis=1)))
        paper_again = float(np.mean(beyond >= 0.9 * inside)) >= BRIGHT_AGAIN
        bright_again += paper_again and (not by_edges or rim < INK_RIM * inside)
    return bright_again >= (2 if by_edges else 3)


def side_points(quad: np.ndarray, corner: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points along the side from ``corner`` to the next (its ends left out, where the
    corners round off), and the side's unit normal pointing out of the quad."""
    start, end = quad[corner], quad[(corner + 1) % 4]
    points = start + (end - start) * np.linspace(0.1, 0.9, count, dtype=np.float32)[:, None]
    normal = np.array([end[1] - start[1], start[0] - end[0]], np.float32)
    normal /= max(float(np.linalg.norm(normal)), 1e-6)
    if np.dot(quad.mean(axis=0) - start, normal) > 0:
        normal = -normal
    return points, normal


def along(picture: np.ndarray, points: np.ndarray, direction: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """The picture sampled from each point along ``direction`` (one, or one per point) at
    ``steps``: N x len(steps)."""
    return sampled(picture, points[:, None, :] + steps[None, :, None] * direction.reshape(-1, 1, 2))


def sampled(picture: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The picture at ``grid``'s points (x, y in the last axis), between pixels by linear
    interpolation and past the picture's border by its nearest pixel."""
    return cv2.remap(picture, grid[..., 0], grid[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(
        np.float32
    )
