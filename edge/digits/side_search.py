"""Look for a plain card by its four straight sides, where its outline is no closed shape.

Where card and desk are about equally bright along part of the card's edge (light that falls off
across the card, a shadow across it on a desk of its own shade), the outline has a gap, the
card's region runs into the desk's, and no shape the edges enclose is the card. Its sides are
still edges along most of their length, and a physical card's edge shows even where the
brightness on either side is the same. So line segments are found in the picture, those that
carry one another on are joined into sides, and four sides that meet end to end make a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edgecam.edge.digits import paper_checks

SEGMENT_LEAST = 8  # pixels (small picture): a shorter segment is a stroke or a speck
SEGMENTS_KEPT = 100  # the longest segments joined into sides: a textured desk has hundreds
SIDE_LEAST = 20  # pixels: a side shorter than this is no card's
SIDES_KEPT = 24  # the longest sides tried
# Two segments are one side when they turn from each other by this much at most (a bowed card, a
# lens's curve) and one starts within CHAIN_GAP of where the other ends: along it and across it.
CHAIN_TURN = np.deg2rad(8.0)
CHAIN_GAP = (40.0, 3.5)
CORNER_ANGLE = np.deg2rad(30.0)  # two sides meeting at a card's corner, even tilted 40 degrees
# Where two sides meet, how far past a side's end (the edge faded there) or back from it (the side
# runs on a little past the corner) the meeting point may lie, in pixels and a share of its length.
REACH_PAST = (6.0, 0.25)
REACH_BACK = (3.0, 0.08)
# A side may run on far past a corner where the other side ends on it (a T): the desk's own line
# carries the card's side on. Back from its end by this share of its length at most.
RUNS_ON = 0.4
SUPPORT = 0.6  # of each side of a candidate lies on segments found in the picture
ON_SIDE = 2.5  # pixels: a segment this close to a side lies on it
STEPPING = 0.6  # of the outline, all round, along which the paper steps from the desk (``paper_checks.outlined``)
QUADS_TRIED = 6  # the largest candidates with plain paper inside
# Four straight sides tell a card from a blot of ink or a patch of texture better than a region's
# outline does: the card may be dimmer (in its own shade beside a bright desk: this share of the
# other searches' least brightness) and less plain (bold, blurred writing over 40 % of it).
DIMMER = 0.75
PLAIN_SHARE = 0.6


@dataclass
class _Side:
    segments: np.ndarray  # K x 2 x 2: the segments that make it, each from one end to the other
    ends: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # (point, direction out)
    length: float

    def support(self, start: np.ndarray, end: np.ndarray) -> float:
        """The share of the straight stretch from ``start`` to ``end`` that the side's segments lie on."""
        count = max(2, int(np.linalg.norm(end - start)))
        points = start + (end - start) * np.linspace(0, 1, count)[:, None]
        return float((_distances(points, self.segments) <= ON_SIDE).any(axis=1).mean())


def quad_by_sides(small: np.ndarray, least: float, at_least: float, edge_low: float) -> np.ndarray | None:
    """The largest quad (larger than ``least``) whose four sides lie on straight edges of ``small``
    along most of their length and which passes as a plain card: paper at least ``DIMMER`` x
    ``at_least`` bright inside (a hard shadow's edge across it allowed), stepping from the desk
    along ``STEPPING`` of its outline, no hole in written paper and not cut short. ``edge_low``:
    an edge's weaker gradient level."""
    sides = _sides(small, edge_low)
    quads = sorted(_quads(sides, _corners(sides), least, small), key=lambda quad: -cv2.contourArea(quad))
    tries = 0
    for quad in quads:
        if not paper_checks.plain_inside(small, quad, DIMMER * at_least, shadowed=True, share=PLAIN_SHARE):
            continue
        tries += 1
        if tries > QUADS_TRIED:
            return None
        shares = paper_checks.stepping_shares(small, quad, 1.04, either_way=True)
        if (
            float(np.mean(shares)) >= STEPPING
            and not paper_checks.a_hole_in_paper(small, quad, by_edges=True)
            and not paper_checks.cut_short(small, quad)
        ):
            return quad
    return None


def _sides(small: np.ndarray, edge_low: float) -> list[_Side]:
    """The picture's straight edges: segments joined into sides, the longest sides first."""
    detector = cv2.ximgproc.createFastLineDetector(SEGMENT_LEAST, 1.41, edge_low, 2 * edge_low, 3, False)
    found = detector.detect(small)
    if found is None:
        return []
    segments = found.reshape(-1, 2, 2).astype(np.float64)
    lengths = np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1)
    order = np.argsort(-lengths)[:SEGMENTS_KEPT]
    segments, lengths = segments[order], lengths[order]
    groups = [members for members in _groups(_links(segments)) if lengths[members].sum() >= SIDE_LEAST]
    sides = [_side(segments[members]) for members in groups]
    sides = [side for side in sides if side.length >= SIDE_LEAST]
    return sorted(sides, key=lambda side: -side.length)[:SIDES_KEPT]


def _links(segments: np.ndarray) -> np.ndarray:
    """N x N: whether two segments are one side. They turn little from each other, and one goes on
    from an end of the other, or lies beside it (an edge found twice, a pixel apart)."""
    direction = segments[:, 1] - segments[:, 0]
    length = np.linalg.norm(direction, axis=1)
    direction = direction / np.maximum(length, 1e-9)[:, None]
    parallel = np.abs(direction @ direction.T) >= np.cos(CHAIN_TURN)
    linked = np.zeros(parallel.shape, bool)
    for end, out in ((0, -direction), (1, direction)):
        point = segments[:, end]
        for other_end in (0, 1):
            gap = segments[None, :, other_end] - point[:, None]  # from this end to the other's near end
            beyond = segments[None, :, 1 - other_end] - point[:, None]  # and to its far end
            along = np.einsum("ijk,ik->ij", gap, out)
            across = np.abs(gap[..., 0] * out[:, None, 1] - gap[..., 1] * out[:, None, 0])
            farther = np.einsum("ijk,ik->ij", beyond, out) > along
            linked |= (along >= -length[:, None]) & (along <= CHAIN_GAP[0]) & (across <= CHAIN_GAP[1]) & farther
    middles = segments.mean(axis=1)
    apart = _distances(middles, segments).T  # [i, j]: from segment i to j's middle
    beside = apart <= CHAIN_GAP[1]
    linked = parallel & (linked | beside)
    np.fill_diagonal(linked, False)
    return linked | linked.T


def _groups(linked: np.ndarray) -> list[np.ndarray]:
    """The indices of each set of segments joined by links (directly or through others)."""
    parent = np.arange(len(linked))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = int(parent[index])
        return index

    for one, other in np.argwhere(np.triu(linked, 1)):
        parent[root(int(one))] = root(int(other))
    roots = np.array([root(index) for index in range(len(linked))])
    return [np.flatnonzero(roots == value) for value in np.unique(roots)]


def _side(segments: np.ndarray) -> _Side:
    """A side made of ``segments``: its two ends are the points furthest along it, each with the
    direction of the segment it is on (a bowed side bends), pointing out."""
    points = segments.reshape(-1, 2)
    centre = points.mean(axis=0)
    if len(segments) == 1:
        axis = (points[1] - points[0]) / max(float(np.linalg.norm(points[1] - points[0])), 1e-9)
    else:
        axis = np.linalg.svd(points - centre, full_matrices=False)[2][0]
    along = (points - centre) @ axis
    ends = []
    for index, sign in ((int(np.argmin(along)), -1.0), (int(np.argmax(along)), 1.0)):
        start, end = segments[index // 2]
        direction = (end - start) / max(float(np.linalg.norm(end - start)), 1e-9)
        ends.append((points[index], direction if float(direction @ axis) * sign > 0 else -direction))
    return _Side(segments, (ends[0], ends[1]), float(along.max() - along.min()))


def _corners(sides: list[_Side]) -> dict[tuple[int, int], list[tuple[int, int, np.ndarray]]]:
    """For each side's end (side, 0 or 1), the sides that meet it there: (other side, its end,
    where). Two ends meet where their lines cross, at an angle a card's corner may have, near both."""
    corners: dict[tuple[int, int], list[tuple[int, int, np.ndarray]]] = {}
    if not sides:
        return corners
    keys = [(index, end) for index in range(len(sides)) for end in (0, 1)]
    point = np.array([sides[index].ends[end][0] for index, end in keys])
    out = np.array([sides[index].ends[end][1] for index, end in keys])
    length = np.array([sides[index].length for index, _ in keys])
    sine = out[:, None, 0] * out[None, :, 1] - out[:, None, 1] * out[None, :, 0]
    gap = point[None, :] - point[:, None]  # [e, f]: from end e to end f
    with np.errstate(divide="ignore", invalid="ignore"):
        reach_e = (gap[..., 0] * out[None, :, 1] - gap[..., 1] * out[None, :, 0]) / sine
        reach_f = (gap[..., 0] * out[:, None, 1] - gap[..., 1] * out[:, None, 0]) / sine
    ends_e, ends_f = _within_reach(reach_e, length[:, None]), _within_reach(reach_f, length[None, :])
    runs_on_e, runs_on_f = _runs_on(reach_e, length[:, None]), _runs_on(reach_f, length[None, :])
    near = (ends_e & ends_f) | (ends_e & runs_on_f) | (ends_f & runs_on_e)
    sides_of = np.array([index for index, _ in keys])
    meets = (np.abs(sine) >= np.sin(CORNER_ANGLE)) & near & (sides_of[:, None] < sides_of[None, :])
    for e, f in np.argwhere(meets):
        where = point[e] + reach_e[e, f] * out[e]
        corners.setdefault(keys[e], []).append((*keys[f], where))
        corners.setdefault(keys[f], []).append((*keys[e], where))
    return corners


def _runs_on(along: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Whether a meeting point ``along`` a side's end line lies on the side, back from that end
    by up to ``RUNS_ON`` of its length."""
    return (along <= 0) & (along >= -RUNS_ON * length)


def _within_reach(along: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Whether a meeting point ``along`` a side's end line (out of it: positive) is near that end."""
    return (along >= -(REACH_BACK[0] + REACH_BACK[1] * length)) & (along <= REACH_PAST[0] + REACH_PAST[1] * length)


def _quads(sides: list[_Side], corners, least: float, picture: np.ndarray):
    """Every quad of four sides, each meeting the next at one end and the one before at the
    other, convex, larger than ``least``, inside the picture and on segments nearly all round."""
    seen = set()
    for (a, a_end), first in corners.items():
        for b, b_end, p0 in first:
            for c, c_end, p1 in corners.get((b, 1 - b_end), []):
                if c == a:
                    continue
                for d, d_end, p2 in corners.get((c, 1 - c_end), []):
                    if d in (a, b):
                        continue
                    for back, back_end, p3 in corners.get((d, 1 - d_end), []):
                        if back != a or back_end != 1 - a_end or frozenset((a, b, c, d)) in seen:
                            continue
                        seen.add(frozenset((a, b, c, d)))
                        quad = np.array([p0, p1, p2, p3], np.float32)
                        if not cv2.isContourConvex(quad.reshape(-1, 1, 2)) or cv2.contourArea(quad) < least:
                            continue
                        if not paper_checks.whole(quad, picture):
                            continue
                        on = [sides[b], sides[c], sides[d], sides[a]]  # the side from each corner to the next
                        if all(on[k].support(quad[k], quad[(k + 1) % 4]) >= SUPPORT for k in range(4)):
                            yield quad


def _distances(points: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """P x S: from each point to each segment."""
    start, end = segments[:, 0], segments[:, 1]
    span = end - start
    t = np.einsum("psk,sk->ps", points[:, None] - start[None], span) / np.maximum((span * span).sum(axis=1), 1e-9)
    nearest = start[None] + np.clip(t, 0, 1)[..., None] * span[None]
    return np.linalg.norm(points[:, None] - nearest, axis=2)
