"""Faces across frames: boxes matched by overlap, names settled by a vote, work skipped when safe.

A fast, coarse detection runs every ``detect_every`` frames; in between, tracks
keep their last box. A track is recognised on its first three detections and
then every ``recognize_every`` detections, each time after a precise search in
a small window around it (LBPH needs the face framed as at training time), and
the name shown is the majority of its recent votes, so a single bad frame never
makes a name flicker. A vote against a settled name is checked at the very next
detection, and two in a row replace the old votes: that is someone else standing
where the last person stood (a cut), whom the majority would otherwise have
kept calling by the old name until four new votes outnumbered the old (up to 96
frames at the defaults).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

import numpy as np

from edgecam.edge.faces.detect import Detection, centre_inside
from edgecam.edge.faces.recognizer import UNKNOWN, Face, FaceRecognizer


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


@dataclass
class Track:
    id: int
    box: tuple[int, int, int, int]
    votes: deque = field(default_factory=lambda: deque(maxlen=7))
    distances: deque = field(default_factory=lambda: deque(maxlen=7))
    confidences: deque = field(default_factory=lambda: deque(maxlen=7))
    missed: int = 0
    seen: int = 0
    challenger: str | None = None  # the other name the last vote gave, awaiting a second look

    def face(self) -> Face:
        if not self.votes:
            return Face(UNKNOWN, 0.5, float("inf"), self.box, self.id)
        name, count = Counter(self.votes).most_common(1)[0]
        agreeing = [c for v, c in zip(self.votes, self.confidences) if v == name]
        confidence = float(np.mean(agreeing)) * count / len(self.votes)
        distance = float(np.median([d for v, d in zip(self.votes, self.distances) if v == name]))
        return Face(name, confidence, distance, self.box, self.id)


@dataclass
class TrackerSettings:
    detect_every: int = 4
    recognize_every: int = 6  # in detections, once a track has its first three votes
    iou_match: float = 0.3
    # A track the coarse search misses is looked for once more by the precise search around its
    # box; if that fails too it is dropped at once, so a person who left is gone within one
    # detection cycle (with 2 misses allowed, names outlived their people by 8-11 frames).
    max_missed: int = 0


class FaceTracker:
    """``tracker(grey)`` -> the faces of the current frame, named by their tracks' votes."""

    def __init__(self, recognizer: FaceRecognizer, settings: TrackerSettings | None = None):
        self.recognizer = recognizer
        self.settings = settings or TrackerSettings()
        self.tracks: list[Track] = []
        self.frame_index = 0
        self._next_id = 1

    def __call__(self, grey: np.ndarray, timer=None) -> list[Face]:
        if self.frame_index % self.settings.detect_every == 0:
            detections = _timed(timer, "face_detect", lambda: self.recognizer.detect.coarse(grey))
            _timed(timer, "recognize", lambda: self._update(grey, detections))
        self.frame_index += 1
        return [t.face() for t in self.tracks]

    def _update(self, grey: np.ndarray, detections: list[Detection]) -> None:
        unmatched = list(range(len(detections)))
        for track in self.tracks:
            best, best_iou = None, self.settings.iou_match
            for i in unmatched:
                overlap = iou(track.box, detections[i].box)
                if overlap >= best_iou:
                    best, best_iou = i, overlap
            if best is None:
                found = self.recognizer.detect.around(grey, track.box)
                if found is None:
                    track.missed += 1
                else:
                    track.box = found.box
                continue
            unmatched.remove(best)
            track.box, track.missed = detections[best].box, 0
            track.seen += 1
            if len(track.votes) < 3 or track.seen % self.settings.recognize_every == 0 or track.challenger:
                self._vote(track, grey, detections[best])
        self.tracks = [t for t in self.tracks if t.missed <= self.settings.max_missed]
        for i in unmatched:
            if any(centre_inside(detections[i].box, t.box) for t in self.tracks):
                continue  # a second box on a face already tracked (its track was found by the precise search)
            precise = self.recognizer.detect.around(grey, detections[i].box)
            if precise is None and self.recognizer.detect.verifies:
                continue  # the coarse search's hit on texture: no face where the precise search looks
            track = Track(self._next_id, detections[i].box)
            self._next_id += 1
            self._vote(track, grey, detections[i], precise)
            self.tracks.append(track)

    def _vote(self, track: Track, grey: np.ndarray, detection: Detection, precise: Detection | None = None) -> None:
        precise = precise or self.recognizer.detect.around(grey, detection.box) or detection
        [face] = self.recognizer.recognize(grey, [precise])
        settled = Counter(track.votes).most_common(1)[0][0] if len(track.votes) >= 3 else None
        if face.name == track.challenger:
            # Two looks in a row say someone else: a new person stands there, not a bad frame.
            for votes in (track.votes, track.distances, track.confidences):
                last = votes[-1]
                votes.clear()
                votes.append(last)
            track.challenger = None
        elif settled is not None and face.name != settled:
            track.challenger = face.name  # look again at the next detection before believing it
        else:
            track.challenger = None
        track.votes.append(face.name)
        track.distances.append(face.distance)
        track.confidences.append(face.confidence)


def _timed(timer, name, work):
    if timer is None:
        return work()
    with timer(name):
        return work()
