"""Faces across frames: boxes matched by overlap, names settled by a vote, work skipped when safe.

A fast, coarse detection runs every ``detect_every`` frames; in between, tracks
keep their last box. With the change watch on, only some detections sweep the whole
frame (see ``_sweep_due``); the others search around the tracked and lost faces, at
their sizes, where a face seen a moment ago most likely still is. A track is
recognised on its first three detections and then every ``recognize_every``
detections (twice that once its votes agree on a name), each time after a precise search in
a small window around it (LBPH needs the face framed as at training time), and
the name shown is the majority of its recent votes, so a single bad frame never
makes a name flicker. A vote against a settled name is checked at the very next
detection, and two in a row replace the old votes: that is someone else standing
where the last person stood (a cut), whom the majority would otherwise have
kept calling by the old name until four new votes outnumbered the old (up to 96
frames at the defaults).

Between detections a thumbnail comparison (faces.change_watch) looks for cuts:
where the picture changed, the fast search runs at once on that part of the
frame, so someone who left is gone and a newcomer is found on the frame it
happened instead of up to three frames later; a tracked face whose box changed
almost entirely is someone else until recognised again, under a new id, and one
whose box changed in part is looked for again at once (gone: dropped; found only
by the precise search: recognised now, as it may be someone else).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from edgecam.edge.boxes import box_around
from edgecam.edge.faces.change_watch import ChangeWatch
from edgecam.edge.faces.detect import Box, Detection, centre_inside, overlap_area
from edgecam.edge.faces.no_model_yet import NoModelYet
from edgecam.edge.faces.recognizer import POOR, UNKNOWN, Face, FaceRecognizer

Namer = FaceRecognizer | NoModelYet  # what names the faces: a model, or none yet

VOTES = 7  # a track's name is the majority of its last this many recognitions
FIRST_LOOKS = 3  # a track is recognised on each of its first this many detections; its name settles then
QUIET_SWEEPS = 4  # while nothing changes away from the tracked faces, only every 4th sweep is made
UNSURE = 0.5  # the confidence of a track with no votes yet: as likely named as not


def iou(a: Box, b: Box) -> float:
    inter = overlap_area(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


@dataclass
class Track:
    id: int
    box: Box
    # The last recognitions (Face) good enough to tell people apart; a poor one is not a vote.
    votes: deque = field(default_factory=lambda: deque(maxlen=VOTES))
    missed: int = 0
    seen: int = 0
    challenger: str | None = None  # the other name the last vote gave, awaiting a second look
    poor_quality: float | None = None  # the best quality of the looks too poor to vote, while there are no votes
    _summary: tuple | None = field(default=None, repr=False)  # (the votes it was made from, face())

    def restart(self, id: int) -> None:
        """Someone else stands here now: a new id, and no votes from whoever stood here before."""
        self.id, self.votes, self.challenger, self.seen, self.poor_quality = id, deque(maxlen=VOTES), None, 0, None

    def names(self) -> list[str]:
        return [vote.name for vote in self.votes]

    def settled(self) -> str | None:
        """The majority name once the first looks are in."""
        return self._leader()[0] if len(self.votes) >= FIRST_LOOKS else None

    def _leader(self) -> tuple[str, float]:
        """The name whose votes weigh most, each vote weighing its quality (a sharp, well-lit look
        counts for more than a soft one), and that weight's share of all."""
        weights: dict[str, float] = {}
        for vote in self.votes:
            weights[vote.name] = weights.get(vote.name, 0.0) + max(vote.quality or 0.0, 1e-3)
        name = max(weights, key=weights.__getitem__)  # the first to reach the top weight, as Counter would
        weight = weights[name]
        return name, weight / sum(weights.values())

    def face(self) -> Face:
        """The leading name of the recent votes, as sure as the votes agree; "unknown" for a visit seen
        only too poorly to tell people apart."""
        # Asked on every frame, and the votes change only on a few: the summary is kept until they do.
        key = (tuple(map(id, self.votes)), tuple(vote.name for vote in self.votes), self.poor_quality)
        if self._summary is None or self._summary[0] != key:
            self._summary = (key, self._face())
        return replace(self._summary[1], box=self.box, track=self.id)

    def _face(self) -> Face:
        if not self.votes:
            reason = None if self.poor_quality is None else POOR
            return Face(UNKNOWN, UNSURE, float("inf"), self.box, self.id, self.poor_quality, reason=reason)
        name, share = self._leader()
        agreeing = [vote for vote in self.votes if vote.name == name]
        confidence = float(np.mean([vote.confidence for vote in agreeing])) * share
        distance = float(np.median([vote.distance for vote in agreeing]))
        quality = max(vote.quality or 0.0 for vote in agreeing)
        return Face(name, confidence, distance, self.box, self.id, quality)


@dataclass
class TrackerSettings:
    detect_every: int = 4
    recognize_every: int = 6  # in detections, once a track has its first looks
    # Once every vote a track holds names the same person, a look rarely changes anything: it is
    # looked at this many times less often (the watch still calls for a look at once when the face
    # changes, and a cut restarts the track). Not an "unknown": a better look may name them.
    agreed_spacing: int = 2
    iou_match: float = 0.3
    # A track the coarse search misses is looked for once more by the precise search around its
    # box; if that fails too it is dropped at once, so a person who left is gone within one
    # detection cycle (with 2 misses allowed, names outlived their people by 8-11 frames).
    max_missed: int = 0
    # Look between detections where the picture changed (faces.change_watch); a tracked face
    # whose box changed there is recognised again at once: it may be someone else.
    watch_changes: bool = True
    # With the watch on, only every this many detections searches the whole frame; the others
    # search around the tracked faces and where the picture changed, which is where a newcomer
    # shows (the watch finds them on the frame they step in). A sweep still comes every
    # detect_every * sweep_every frames for whoever the watch missed.
    sweep_every: int = 2


Timer = Callable[[str], Any]  # Timings.__call__: a context manager that times one stage


class FaceTracker:
    """``tracker(grey)`` -> the faces of the current frame, named by their tracks' votes."""

    def __init__(self, recognizer: Namer, settings: TrackerSettings | None = None, quiet_area: Box | None = None):
        """``quiet_area``: a box where change is no sign of people (the digit card's ROI)."""
        self.recognizer = recognizer
        self.detect = recognizer.detect
        self.settings = settings or TrackerSettings()
        self.tracks: list[Track] = []
        self.lost: list[Box] = []  # where tracks were lost since the last sweep
        self.frame_index = 0
        self._next_id = 1
        # Only a detector that can search a window can afford to look at every cut.
        watching = self.settings.watch_changes and self.detect.searches_windows
        self.watch = ChangeWatch(ignore=quiet_area) if watching else None

    def use(self, recognizer: Namer, renamed: dict[str, str] | None = None) -> None:
        """Name faces with ``recognizer`` from now on (the live page changed the face library).
        A renamed person's votes follow the new name; any other change judges every track afresh."""
        self.recognizer, self.detect = recognizer, recognizer.detect
        for track in self.tracks:
            if renamed is None:
                track.votes.clear()
                track.challenger = None
            else:
                for vote in track.votes:
                    vote.name = renamed.get(vote.name, vote.name)

    def __call__(self, grey: np.ndarray, timer: Timer | None = None) -> list[Face]:
        if self.watch:
            self.watch.update(grey)
        due = self.frame_index % self.settings.detect_every == 0
        if due and self._sweep_due():
            self.lost = []
            if self.watch:
                self.watch.settle()
            detections = _timed(timer, "face_detect", lambda: self.detect.coarse(grey))
            _timed(timer, "recognize", lambda: self._update(grey, detections))
        elif (look := self._where_to_look(due)) is not None:
            # A detection between sweeps, or a cut between detections: search only there.
            detections, area = _timed(timer, "face_detect", lambda: self.detect.coarse_in(grey, *look))
            _timed(timer, "recognize", lambda: self._update(grey, detections, area))
        self.frame_index += 1
        return [t.face() for t in self.tracks]

    def _sweep_due(self) -> bool:
        """Whether this detection searches the whole frame: always without the watch; with it, every
        ``sweep_every`` detections if the picture changed away from the tracked faces since the last
        sweep, and every ``sweep_every * QUIET_SWEEPS`` detections in any case."""
        if self.watch is None:
            return True
        detection = self.frame_index // self.settings.detect_every
        if detection % (self.settings.sweep_every * QUIET_SWEEPS) == 0:
            return True
        return detection % self.settings.sweep_every == 0 and self.watch.stirred_away_from([t.box for t in self.tracks])

    def _where_to_look(self, due: bool) -> tuple[Box, tuple[int, int] | None] | None:
        """Where to search, and for faces how wide: around what changed in a way worth a look (the
        watch's news), any size, and when a detection is due, around the tracked and lost faces,
        for faces of about their sizes; None when there is nowhere to look."""
        if self.watch is None:
            return None
        news = self.watch.news([t.box for t in self.tracks])
        known = [t.box for t in self.tracks] + self.lost if due else []
        if news is None and not known:
            return None
        if news is not None and self.watch.news_elsewhere:
            return box_around([*known, news]), None
        # Only tracked faces changed (turned, or replaced where they stand): faces of about their sizes.
        sized = known or [t.box for t in self.tracks if self.watch.doubted_at(t.box)]
        widths = [w for _, _, w, _ in sized]
        return box_around(sized if news is None else [*sized, news]), (int(min(widths) * 0.6), int(max(widths) * 1.6))

    def _update(self, grey: np.ndarray, detections: list[Detection], area: Box | None = None) -> None:
        """Match, vote, drop and start tracks; with ``area``, only the tracks whose centre lies in it."""
        unmatched = list(range(len(detections)))
        for track in self.tracks:
            if area is not None and not centre_inside(track.box, area):
                continue
            doubted = self._judge_change(track)
            best = self._best_match(track, detections, unmatched)
            if best is None:
                self._look_around(grey, track, doubted)
                continue
            unmatched.remove(best)
            self._follow(grey, track, detections[best])
        kept = [t for t in self.tracks if t.missed <= self.settings.max_missed]
        # A face the search lost (poor light, a turned head) is most likely still there: searched
        # again at every detection until the next sweep.
        self.lost += [t.box for t in self.tracks if t.missed > self.settings.max_missed]
        self.tracks = kept
        self._start_tracks(grey, [detections[i] for i in unmatched])

    def _judge_change(self, track: Track) -> bool:
        """Whether the face changed in part at once (it may have left, or someone else may stand
        there: a reason to look now); a face that changed almost entirely is someone else, judged
        afresh under a new id."""
        if self.watch is None:
            return False
        doubted = self.watch.doubted_at(track.box)
        if self.watch.replaced_at(track.box):
            track.restart(self._new_id())
        return doubted

    def _best_match(self, track: Track, detections: list[Detection], unmatched: list[int]) -> int | None:
        """The unmatched detection overlapping the track most, if any overlaps enough."""
        best, best_iou = None, self.settings.iou_match
        for i in unmatched:
            overlap = iou(track.box, detections[i].box)
            if overlap >= best_iou:
                best, best_iou = i, overlap
        return best

    def _look_around(self, grey: np.ndarray, track: Track, doubted: bool) -> None:
        """The coarse search lost the track: the precise search around its box decides whether it
        is still there. Found there after a change, it may be someone else, so it is recognised
        now rather than at its next scheduled look."""
        found = self.detect.around(grey, track.box)
        if found is None:
            track.missed += 1
            return
        track.box = found.box
        if doubted:
            self._vote(track, grey, found, found)

    def _follow(self, grey: np.ndarray, track: Track, detection: Detection) -> None:
        """The track matched a detection: move it there, and recognise it when it is due (its first
        looks, every ``recognize_every`` detections, or a challenger awaiting a second look)."""
        track.box, track.missed = detection.box, 0
        track.seen += 1
        every = self.settings.recognize_every
        if len(track.votes) >= FIRST_LOOKS and set(track.names()) - {UNKNOWN} and len(set(track.names())) == 1:
            every *= self.settings.agreed_spacing
        due = len(track.votes) < FIRST_LOOKS or track.seen % every == 0
        if due or track.challenger:
            self._vote(track, grey, detection)

    def _start_tracks(self, grey: np.ndarray, detections: list[Detection]) -> None:
        """New tracks for detections no track took, once the precise search confirms a face there."""
        for detection in detections:
            if any(centre_inside(detection.box, t.box) for t in self.tracks):
                continue  # a second box on a face already tracked (its track was found by the precise search)
            precise = self.detect.around(grey, detection.box)
            if precise is None and self.detect.verifies:
                continue  # the coarse search's hit on texture: no face where the precise search looks
            track = Track(self._new_id(), detection.box)
            self._vote(track, grey, detection, precise)
            self.tracks.append(track)

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _vote(self, track: Track, grey: np.ndarray, detection: Detection, precise: Detection | None = None) -> None:
        precise = precise or self.detect.around(grey, detection.box) or detection
        [face] = self.recognizer.recognize(grey, [precise])
        if face.reason == POOR:
            # Too poor to tell people apart: no vote either way, and the track keeps looking.
            track.poor_quality = max(face.quality or 0.0, track.poor_quality or 0.0)
            return
        settled = track.settled()
        if face.name == track.challenger:
            # Two looks in a row say someone else: a new person stands there, not a bad frame.
            last = track.votes[-1]
            track.votes.clear()
            track.votes.append(last)
            track.challenger = None
        elif settled is not None and face.name != settled:
            track.challenger = face.name  # look again at the next detection before believing it
        else:
            track.challenger = None
        track.votes.append(face)


def _timed(timer: Timer | None, name: str, work: Callable[[], Any]) -> Any:
    if timer is None:
        return work()
    with timer(name):
        return work()
