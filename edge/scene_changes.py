"""From "what is in this frame" to "what changed": a face appeared, changed name or left; the card's digits changed.

Every frame says who is in view; a fleet wants to hear only when that changes.
A change is announced once it has held for ``hold`` frames in a row, so a name
that flickers once stays quiet. A face must be gone for ``leave`` frames before
it has left; if the tracker loses a person and picks them up again as a new
track meanwhile, that is still the same visit, not a leave and an arrival.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

HOLD_FRAMES = 3
LEAVE_FRAMES = 15


@dataclass
class _Seen:
    name: str  # as announced
    since: float  # when it appeared (unix time)
    visit: int  # the track id it appeared with: events keep using it if the tracker re-acquires them
    candidate: str = ""  # a different name it has been showing...
    streak: int = 0  # ...for this many frames
    absent: int = 0  # frames since it was last in view


class SceneChanges:
    def __init__(self, hold: int = HOLD_FRAMES, leave: int = LEAVE_FRAMES):
        self.hold, self.leave = hold, leave
        self.faces: dict[int, _Seen] = {}
        self._pending: dict[int, tuple[str, int]] = {}  # tracks not yet announced: (name, frames)
        self.digits = ""
        self._digit_candidate, self._digit_streak = "", 0

    def update(self, event: dict) -> list[dict]:
        """The changes that ``event`` (one frame from the loop) completes, in the order they happened."""
        now = event.get("time", time.time())
        changes = self._faces(event.get("faces", ()), now)
        if "digits" in event:
            changes += self._digits(event["digits"], now)
        return changes

    def _faces(self, faces, now: float) -> list[dict]:
        changes = []
        in_view = {f["track"]: f for f in faces}
        for track, face in in_view.items():
            seen = self.faces.get(track)
            if seen is None:
                name, frames = self._pending.get(track, (face["name"], 0))
                frames = frames + 1 if name == face["name"] else 1
                self._pending[track] = (face["name"], frames)
                if frames >= self.hold:
                    del self._pending[track]
                    same = self._departing(face["name"], in_view)
                    if same is not None:  # the tracker lost them for a moment: same visit, new track id
                        self.faces[track] = self.faces.pop(same)
                        self.faces[track].absent = 0
                    else:
                        self.faces[track] = _Seen(face["name"], now, track)
                        changes.append(_face("face_appeared", track, face, now))
                continue
            seen.absent = 0
            if face["name"] == seen.name:
                seen.candidate, seen.streak = "", 0
                continue
            seen.streak = seen.streak + 1 if face["name"] == seen.candidate else 1
            seen.candidate = face["name"]
            if seen.streak >= self.hold:
                changes.append({**_face("face_renamed", seen.visit, face, now), "previous": seen.name})
                seen.name, seen.candidate, seen.streak = face["name"], "", 0
        for track in [t for t in self._pending if t not in in_view]:
            del self._pending[track]  # a flash that never held: never announced, never leaves
        for track, seen in list(self.faces.items()):
            if track in in_view:
                continue
            seen.absent += 1
            if seen.absent >= self.leave:
                del self.faces[track]
                changes.append(
                    {
                        "event": "face_left",
                        "time": now,
                        "track": seen.visit,
                        "name": seen.name,
                        "seconds": round(now - seen.since, 2),
                    }
                )
        return changes

    def _departing(self, name: str, in_view: dict) -> int | None:
        for track, seen in self.faces.items():
            if track not in in_view and seen.name == name:
                return track
        return None

    def _digits(self, reading: dict, now: float) -> list[dict]:
        text = reading.get("text", "")
        if text is None:
            return []  # unsure: it says nothing about what the card says, so it changes nothing
        if text == self.digits:
            self._digit_candidate, self._digit_streak = "", 0
            return []
        self._digit_streak = self._digit_streak + 1 if text == self._digit_candidate else 1
        self._digit_candidate = text
        if self._digit_streak < self.hold:
            return []
        previous, self.digits = self.digits, text
        self._digit_candidate, self._digit_streak = "", 0
        return [
            {
                "event": "digits_changed",
                "time": now,
                "text": text,
                "previous": previous,
                "confidence": reading.get("confidence", 0.0),
            }
        ]


def _face(kind: str, track: int, face: dict, now: float) -> dict:
    return {
        "event": kind,
        "time": now,
        "track": track,
        "name": face["name"],
        "confidence": face["confidence"],
        "box": face["box"],
        # How well the face was seen, and why it is "unknown" when that is for its quality.
        **{key: face[key] for key in ("quality", "reason") if face.get(key) is not None},
    }
