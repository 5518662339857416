"""What the live page's setup may change, each request checked before anything moves.

Every method takes the request's JSON and either returns the answer or raises Refused with
the HTTP status and one sentence. The ROI is applied between two frames and saved into the
config file the loop was started with; face changes go to ModelUpdates, off the frame path.
Each accepted change becomes a ``setup_changed`` event once it is live.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import quote

import cv2
import numpy as np

from edgecam.edge.config_edit import set_keys
from edgecam.edge.errors import DataError, EdgecamError
from edgecam.edge.faces.enrolment import EnrollSettings, capture
from edgecam.edge.faces.model_file import MODEL_FILE, read_metadata
from edgecam.edge.faces.person_name import checked_name
from edgecam.edge.setup.frame_tap import FrameTap
from edgecam.edge.setup.library import FaceLibrary
from edgecam.edge.setup.model_updates import Busy, Change, ModelUpdates, model_change

MIN_SIDE = 8  # pixels: a smaller ROI cannot hold a digit
# People a face model needs before it names anyone. With two, the nearest-over-rivals rule has one
# rival: a model of ORL s1-s2 (photos 1-8) let 55 % of strangers s31-s40 through, one of s1-s3 none
# (docs/benchmarks.md, "Setup from the browser").
MIN_PEOPLE = 3
MAX_VIEWS = 50  # images one request may add (live views, or unknown faces named at once)
CAPTURE_SECONDS = 60.0  # a live enrolment gives up after this long
UNKNOWN_SHOWN = 24
WRITES_PER_MINUTE, WRITE_BURST = 30, 10


class Refused(Exception):
    def __init__(self, status: int, sentence: str):
        super().__init__(sentence)
        self.status, self.sentence = status, sentence


class Setup:
    def __init__(self, pipeline, config_file: Path | None, snapshots=None, log=print):
        self.pipeline, self.config_file, self.snapshots, self.log = pipeline, config_file, snapshots, log
        digits = pipeline.config.digits
        self.roi: list[int] | None = list(digits.roi) if digits.roi and not digits.corners else None
        self.corners: list[int] | None = list(digits.corners) or None
        faces = pipeline.config.faces
        self.model_dir = Path(faces.model) if faces.model else None
        self.library = FaceLibrary(faces.library) if faces.library else None
        self.updates = ModelUpdates(self._swap, log)
        self.capture: dict | None = None  # the live enrolment under way: name, wanted, kept
        self._allowance, self._refilled = float(WRITE_BURST), time.monotonic()
        self._lock = threading.Lock()

    # --- reading ---
    def state(self) -> dict:
        people = self._people()
        library = self.library.people() if self.library else {}
        return {
            "roi": self.roi,
            "corners": self.corners,
            "frame": list(self.pipeline.frame_size) if self.pipeline.frame_size else None,
            "reading": self.pipeline.digits is not None,
            "config_file": str(self.config_file) if self.config_file else None,
            "people": [_person(name, count, library.get(name, [])) for name, count in people.items()],
            "unknown": [
                {**face, "image": f"snapshots/{face['id']}"}
                for face in (self.snapshots.unknown_faces(UNKNOWN_SHOWN) if self.snapshots else [])
            ],
            "faces": self.pipeline.tracker is not None,
            "model": self.updates.state() | {"trained": self._has_model()},
            "library": str(self.library.folder) if self.library else None,
            "capture": self.capture,
        }

    def person_image(self, name: str, index: int) -> Path | None:
        return self.library.image(name, index) if self.library else None

    # --- writing ---
    def admit(self) -> None:
        """A flood of writes is refused, not queued: WRITE_BURST at once, WRITES_PER_MINUTE after."""
        with self._lock:
            now = time.monotonic()
            self._allowance = min(WRITE_BURST, self._allowance + (now - self._refilled) * WRITES_PER_MINUTE / 60)
            self._refilled = now
            if self._allowance < 1:
                raise Refused(429, "Too many changes at once; wait a few seconds and try again.")
            self._allowance -= 1

    def put_roi(self, body: dict) -> dict:
        _only(body, {"roi", "corners"}, exactly_one=True)
        if self.pipeline.frame_size is None:
            raise Refused(409, "No frame has come from the camera yet; try again once the picture shows.")
        width, height = self.pipeline.frame_size
        roi = _integers(body, "roi", 4) if "roi" in body else None
        corners = _integers(body, "corners", 8) if "corners" in body else None
        if roi is not None:
            _box_inside(roi, width, height)
        if corners is not None:
            _quad_inside(corners, width, height)
        saved = False
        if self.config_file is not None:
            try:
                set_keys(self.config_file, {("digits", "roi"): roi or [], ("digits", "corners"): corners or []})
            except EdgecamError as error:
                raise Refused(409, f"The ROI was not applied: {error}") from None
            saved = True
        self.roi, self.corners = roi, corners
        what = {"action": "roi", "roi": roi, "corners": corners, "saved": saved}

        def move(pipeline) -> dict:
            pipeline.move_digits(roi or [], corners or [])
            return _event(what)

        self.pipeline.later(move)
        return {"roi": roi, "corners": corners, "saved": saved, "config_file": str(self.config_file)}

    def post_people(self, body: dict) -> dict:
        _only(body, {"name", "from_unknown", "capture"})
        name = _name(body.get("name"))
        if ("from_unknown" in body) == ("capture" in body):
            raise Refused(400, 'Give either "from_unknown": [ids] or "capture": N, not both or neither.')
        model_dir, library = self._faces_and_library()
        if "capture" in body:
            return self._capture(name, body["capture"], model_dir, library)
        ids = body["from_unknown"]
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_VIEWS or not all(isinstance(i, str) for i in ids):
            raise Refused(400, f'"from_unknown" must be a list of 1 to {MAX_VIEWS} ids from /api/setup\'s "unknown".')
        known = {face["id"] for face in self.snapshots.unknown_faces(10**6)} if self.snapshots else set()
        missing = [i for i in ids if i not in known]
        if missing:
            raise Refused(404, f"No unknown face {missing[0]!r} (it may have expired); reload the page.")
        paths = [self.snapshots.path_of(i) for i in ids]
        if None in paths:
            raise Refused(404, "An unknown face was deleted meanwhile (retention); reload the page.")
        saved = library.add(name, [path.read_bytes() for path in paths])

        def work(progress):
            progress(f"adding {len(saved)} image(s) of {name}", 0.2)
            self._add_to_model(model_dir, name, saved, progress)
            self.snapshots.forget(set(ids))
            return self.pipeline.new_recognizer(), None

        what = {"action": "person_added", "name": name, "images": len(saved), "from": "unknown"}
        self._submit(Change(what, work, lambda: library.remove_files(saved)))
        return self._accepted(what)

    def patch_person(self, name: str, body: dict) -> dict:
        _only(body, {"name"})
        new = _name(body.get("name"))
        model_dir = self._faces()
        people = self._people()
        if name not in people:
            raise Refused(404, f"No person called {name!r} in the face model.")
        if new in people or (self.library and (self.library.folder / new).exists()):
            raise Refused(409, f"There is already someone called {new!r}; delete them first or choose another name.")
        library = self.library

        def work(progress):
            if library:
                library.rename(name, new)
            if self._has_model():
                model_change(["rename", str(model_dir), name, new], progress)
            return self.pipeline.new_recognizer(), {name: new}

        what = {"action": "person_renamed", "name": name, "new_name": new}
        self._submit(Change(what, work, lambda: library.rename(new, name) if library else None))
        return self._accepted(what)

    def delete_person(self, name: str) -> dict:
        model_dir, library = self._faces_and_library()
        people = self._people()
        if name not in people:
            raise Refused(404, f"No person called {name!r} in the face model.")
        has_model = self._has_model()
        if has_model and len(people) <= MIN_PEOPLE:
            raise Refused(
                409, f"The face model needs at least {MIN_PEOPLE} people to tell a stranger apart; add one first."
            )
        missing = sorted(set(people) - set(library.people()))
        if missing:
            raise Refused(
                409,
                f"The library {library.folder} has no photos of {', '.join(missing)}: retraining from it "
                "would forget them. Add their folders first.",
            )
        aside: list = []

        def work(progress):
            aside.append(library.set_aside(name))
            if has_model:
                model_change(["retrain", str(model_dir), str(library.folder)], progress)
            library.discard(aside[0])
            return self.pipeline.new_recognizer(), None

        what = {"action": "person_deleted", "name": name}
        self._submit(Change(what, work, lambda: library.restore(aside[0] if aside else None, name)))
        return self._accepted(what)

    def close(self) -> None:
        self.updates.close()

    # --- helpers ---
    def _capture(self, name: str, count, model_dir: Path, library: FaceLibrary) -> dict:
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_VIEWS:
            raise Refused(400, f'"capture" must be a whole number of views from 1 to {MAX_VIEWS}.')
        if self.capture is not None:
            raise Refused(409, f"Already taking views of {self.capture['name']}; wait until it is done.")
        from edgecam.edge.faces.detect import DetectorSettings

        saved: list = []
        what = {"action": "person_enrolled", "name": name, "wanted": count}

        def work(progress):
            tap = FrameTap(CAPTURE_SECONDS)
            self.pipeline.later(lambda p: p.taps.append(tap))
            self.capture = {"name": name, "wanted": count, "kept": 0}

            def kept(n: int) -> None:
                self.capture = {"name": name, "wanted": count, "kept": n}
                progress(f"taking views of {name}", n / count)

            try:
                detector = DetectorSettings(**read_metadata(model_dir).detector)
                result = capture(name, tap, library.folder, EnrollSettings(count=count), detector, kept)
            finally:
                tap.close()
                self.pipeline.later(lambda p: p.taps.remove(tap))
                self.capture = None
            saved.extend(result.saved)
            if not saved:
                why = ", ".join(f"{n} {reason}" for reason, n in result.rejected.items() if n) or "no frames"
                raise DataError(f"No usable view of {name} in {CAPTURE_SECONDS:.0f} s ({why}).")
            what["images"] = len(saved)
            progress(f"adding {len(saved)} view(s) of {name}", 0.9)
            self._add_to_model(model_dir, name, saved, progress)
            return self.pipeline.new_recognizer(), None

        self._submit(Change(what, work, lambda: library.remove_files(saved)))
        return self._accepted(what)

    def _add_to_model(self, model_dir: Path, name: str, images: list[Path], progress) -> None:
        if self._has_model():
            model_change(["add", str(model_dir), name, *map(str, images)], progress)
        elif self.library is not None and len(self.library.people()) >= MIN_PEOPLE:
            model_change(["first", str(model_dir), str(self.library.folder)], progress)

    def _has_model(self) -> bool:
        return self.model_dir is not None and (self.model_dir / MODEL_FILE).exists()

    def _swap(self, recognizer, renamed: dict | None, what: dict) -> None:
        def apply(pipeline) -> dict:
            pipeline.tracker.use(recognizer, renamed)
            self.updates.live()
            return _event({**what, "model_version": self.updates.version})

        self.pipeline.later(apply)

    def _submit(self, change: Change) -> None:
        try:
            self.updates.submit(change)
        except Busy:
            if change.undo:  # photos already added to the library for it leave again
                change.undo()
            raise Refused(
                429, "The face model is still busy with earlier changes; try again when it is ready."
            ) from None

    def _accepted(self, what: dict) -> dict:
        return {"accepted": what, "model": self.updates.state()}

    def _faces(self) -> Path:
        if self.model_dir is None or self.pipeline.tracker is None:
            raise Refused(409, "Face recognition is off: start the loop with a face model (--faces or [faces] model).")
        return self.model_dir

    def _faces_and_library(self) -> tuple[Path, FaceLibrary]:
        model_dir = self._faces()
        if self.library is None:
            raise Refused(
                409,
                "No face library is set: start the loop with --library DIR (or [faces] library), the "
                "folder of person folders the model was trained from.",
            )
        return model_dir, self.library

    def _people(self) -> dict[str, int]:
        """The people of the model running now, with the photos each was trained from."""
        tracker = self.pipeline.tracker
        if tracker is None:
            return {}
        meta = tracker.recognizer.meta
        if meta is None:  # no model yet: the people of the library, waiting for a second one
            return {name: len(images) for name, images in (self.library.people() if self.library else {}).items()}
        return {name: meta.people[name].images if name in meta.people else 0 for name in meta.names.values()}


def _person(name: str, trained_from: int, photos: list[Path]) -> dict:
    """A person as the page lists them: the photos in the library (or those the model was trained
    from, without a library), and the addresses of the first three."""
    shown = [f"api/people/{quote(name, safe='')}/images/{i}" for i in range(min(3, len(photos)))]
    return {"name": name, "samples": len(photos) or trained_from, "images": shown}


def _event(what: dict) -> dict:
    return {"event": "setup_changed", "time": round(time.time(), 3), "change": what}


def _only(body: dict, keys: set[str], exactly_one: bool = False) -> None:
    extra = sorted(set(body) - keys)
    if extra:
        raise Refused(400, f"Unknown key {extra[0]!r}; this request takes {', '.join(sorted(keys))}.")
    if exactly_one and len(body) != 1:
        raise Refused(400, f"Give exactly one of {' or '.join(sorted(keys))}.")


def _name(value) -> str:
    if not isinstance(value, str):
        raise Refused(400, 'A "name" (text) is needed.')
    try:
        return checked_name(value)
    except DataError as error:
        raise Refused(400, str(error)) from None


def _integers(body: dict, key: str, count: int) -> list[int]:
    values = body[key]
    if (
        not isinstance(values, list)
        or len(values) != count
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        raise Refused(400, f'"{key}" must be a list of {count} whole numbers (frame pixels).')
    return values


def _box_inside(roi: list[int], width: int, height: int) -> None:
    x, y, w, h = roi
    if w < MIN_SIDE or h < MIN_SIDE:
        raise Refused(400, f"The ROI is {w}x{h} pixels; it must be at least {MIN_SIDE}x{MIN_SIDE} to hold a digit.")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise Refused(400, f"The ROI {x},{y},{w},{h} reaches outside the {width}x{height} frame.")


def _quad_inside(corners: list[int], width: int, height: int) -> None:
    quad = np.array(corners, np.float32).reshape(4, 2)
    if (quad < 0).any() or (quad[:, 0] >= width).any() or (quad[:, 1] >= height).any():
        raise Refused(400, f"A corner lies outside the {width}x{height} frame.")
    if not cv2.isContourConvex(quad) or abs(cv2.contourArea(quad)) < MIN_SIDE * MIN_SIDE:
        raise Refused(400, "The four corners must outline a card: a convex shape, clockwise from the top left.")
    if cv2.contourArea(quad, oriented=True) < 0:  # image y points down: clockwise on screen is positive
        raise Refused(400, "The corners must go clockwise from the top left, as the card is seen.")
