"""The live loop: Source -> Faces -> Digits -> Overlay -> Sinks, one frame at a time."""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2

from edgecam.edge.config import Config
from edgecam.edge.digits.stage import DigitStage
from edgecam.edge.faces.model_file import MODEL_FILE
from edgecam.edge.faces.no_model_yet import NoModelYet
from edgecam.edge.faces.recognizer import FaceRecognizer
from edgecam.edge.faces.tracker import FaceTracker, TrackerSettings
from edgecam.edge.faces.worker import FaceWorker
from edgecam.edge.notify import Notifier
from edgecam.edge.outputs.sinks import DisplaySink, EventsSink, RecordSink, StopRequested
from edgecam.edge.outputs.telemetry import Telemetry
from edgecam.edge.overlay import Overlay
from edgecam.edge.scene_changes import SceneChanges
from edgecam.edge.settings import Secrets
from edgecam.edge.sources.capture import open_source
from edgecam.edge.sources.undistort import Undistorter
from edgecam.edge.timing import OutputTimes, RateMeter, StageTimes


@dataclass
class RunResult:
    frames: int = 0
    seconds: float = 0.0
    stages: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stopped_by: str = "end of source"
    undecodable: int = 0  # frames of the source that would not decode, skipped
    skipped: int = 0  # frames a live source gave that a newer one replaced before the loop took them
    face_skipped: int = 0  # frames the face worker had no time for (drawn with the faces found last)
    output: dict = field(default_factory=dict)  # latency and interval of the frames handed to the sinks

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class Pipeline:
    """The stages built from a config; ``process(frame)`` runs one frame through them."""

    def __init__(self, config: Config):
        threads = config.runtime.threads
        cv2.setNumThreads(threads)
        self.digits = None
        if config.digits.model:
            self.digits = DigitStage(
                config.digits.model,
                config.digits.roi,
                threads,
                config.digits.min_probability,
                config.digits.stable_frames,
                config.digits.corners,
                config.digits.sure,
            )
        self.config = config
        # Changes asked from other threads (the live page's setup), applied between two frames.
        self._between: deque[Callable[[Pipeline], dict | None]] = deque()
        self.taps: list = []  # each is offered every frame before it is drawn on (live enrolment)
        self.frame_size: tuple[int, int] | None = None  # width, height of the last frame
        self.tracker = None
        if config.faces.model:
            recognizer = self.new_recognizer()
            settings = TrackerSettings(
                config.faces.detect_every, config.faces.recognize_every, watch_changes=config.faces.watch_changes
            )
            # The card's text changing is no sign of people coming or going.
            self.tracker = FaceTracker(recognizer, settings, self.digits.roi if self.digits else None)
        # With a second thread, faces are found beside the frame path instead of on it.
        self.worker = FaceWorker(self.tracker) if self.tracker and threads > 1 else None
        self.wait_for_faces = True  # a file's frames all go to the worker; a camera's newest only
        self.undistort = Undistorter(config.source.calibration) if config.source.calibration else None
        self.overlay = Overlay()
        self.times = StageTimes()
        self.output = OutputTimes()
        self.rate = RateMeter()
        self.fps = 0.0

    def new_recognizer(self) -> FaceRecognizer | NoModelYet:
        """A recogniser for the face model as it is on disk now, with the run's own settings; while
        there is no model yet but a face library to build one from, faces are all "unknown"."""
        faces = self.config.faces
        if faces.library and not (Path(faces.model) / MODEL_FILE).exists():
            return NoModelYet(faces.yunet or None)
        return FaceRecognizer(faces.model, faces.threshold if faces.threshold >= 0 else None, faces.yunet or None)

    def later(self, change: Callable[[Pipeline], dict | None]) -> None:
        """Run ``change(pipeline)`` on the loop's thread before its next frame; what it returns
        (an event, or None) is told to the sinks as a note."""
        self._between.append(change)

    def settle(self) -> list[dict]:
        """Apply the changes asked since the last frame; their events."""
        notes: list[dict] = []
        if self._between and self.worker is not None:
            self.worker.between(lambda: self._apply(notes))  # the tracker must be still for them
        else:
            self._apply(notes)
        return notes

    def _apply(self, notes: list[dict]) -> None:
        while self._between:
            note = self._between.popleft()(self)
            if note:
                notes.append(note)

    def stage_summary(self) -> dict:
        """Each stage's times, the face worker's included."""
        faces = self.worker.times.summary() if self.worker else {}
        return self.times.summary() | faces

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()

    def move_digits(self, roi: list[int], corners: list[int]) -> None:
        if self.digits is not None:
            self.digits.move_to(roi, corners)
        if self.tracker is not None and self.tracker.watch is not None:
            self.tracker.watch.ignore = self.digits.roi if self.digits else None

    def process(self, frame, index: int) -> dict:
        """Annotate ``frame`` in place and return its event."""
        if self.undistort is not None:
            with self.times("undistort"):
                frame[:] = self.undistort(frame)
        self.frame_size = (frame.shape[1], frame.shape[0])
        for tap in self.taps:
            tap.offer(frame)
        # A copy even of a grey frame: the overlay draws on the frame while the worker reads this.
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame.copy()
        if self.worker is not None:
            with self.times("faces"):
                self.worker.offer(grey, index, self.wait_for_faces)
                faces = self.worker.faces(grey)
        else:
            faces = self.tracker(grey, self.times) if self.tracker else []
        reading, roi, card = None, None, None
        if self.digits:
            with self.times("digits"):
                roi = self.digits.roi
                reading = self.digits(grey)
                card = self.digits.outline()
        with self.times("overlay"):
            last = {k: v[-1] for k, v in self.times.samples.items() if v}
            # Digit boxes of a warped card are in the card's own coordinates: draw only its text.
            upright = self.digits is not None and (self.digits.warp is not None or card is not None)
            shown = replace(reading, digits=[]) if reading and upright else reading
            self.overlay.draw(frame, faces, roi, shown, self.fps, last, card)
        event = {
            "frame": index,
            "time": round(time.time(), 3),
            "faces": [f.summary() | {"track": f.track} for f in faces],
        }
        if reading is not None:
            event["digits"] = reading.to_dict()
        return event


def run(
    config: Config,
    stop: threading.Event | None = None,
    log=print,
    secrets: Secrets | None = None,
    config_file: Path | None = None,
) -> RunResult:
    """``config_file``: where the live page's setup saves the ROI (the file ``config`` came from)."""
    stop = stop or threading.Event()
    pipeline = Pipeline(config)  # models first: a bad model fails before the camera is opened
    try:
        source = open_source(
            config.source.spec,
            config.source.loop,
            (config.source.width, config.source.height),
            config.source.fps,
            config.source.pace,
        )
    except BaseException:
        pipeline.close()
        raise
    telemetry = Telemetry()
    changes = SceneChanges()
    # Only the stream, MQTT and snapshots read what these collect.
    watched = bool(config.stream.listen or config.mqtt.broker or config.snapshots.folder)
    result = RunResult()
    sinks: list = []
    try:
        _open_sinks(sinks, config, source, telemetry, log, secrets or Secrets(), (pipeline, config_file))
    except BaseException:
        _close_all(sinks, result, log)
        source.close()
        pipeline.close()
        raise
    notifier = Notifier()
    pipeline.wait_for_faces = not source.live
    restore = _stop_on_signals(stop)
    started = time.perf_counter()
    try:
        while not stop.is_set():
            with pipeline.times("capture"):
                frame = source.read()
            # A live frame's latency starts when the camera gave it, not when the loop took it.
            delivered = source.captured_at if source.live else time.perf_counter()
            if source.live and source.skipped > result.skipped:
                telemetry.skipped.labels("camera").inc(source.skipped - result.skipped)
                result.skipped = source.skipped
            if pipeline.worker is not None and pipeline.worker.skipped > result.face_skipped:
                telemetry.skipped.labels("faces").inc(pipeline.worker.skipped - result.face_skipped)
                result.face_skipped = pipeline.worker.skipped
            if source.undecodable > result.undecodable:
                telemetry.undecodable.inc(source.undecodable - result.undecodable)
                result.undecodable = source.undecodable
            if frame is None:
                notifier.status("camera lost; reconnecting")
                if not source.live or not _reconnect(source, sinks, telemetry, stop, log):
                    break
                continue
            for note in pipeline.settle():
                _tell(sinks, "note", note)
            event = pipeline.process(frame, result.frames)
            output = pipeline.output.handed(delivered)
            event["latency_ms"] = round(output[0] * 1000, 1)
            if getattr(source, "position", None) is not None:
                event["source_frame"] = source.position  # which frame of a paced file this was
            for change in changes.update(event) if watched else ():
                telemetry.change(change)
                _tell(sinks, "change", change)
            with pipeline.times("sinks"):
                for sink in list(sinks):
                    try:
                        sink.write(frame, event)
                    except OSError as error:  # a full disk must not stop the camera
                        sinks.remove(sink)
                        message = f"{sink.name} stopped: {error.strerror or error}; the loop goes on without it."
                        result.warnings.append(message)
                        log(message)
            stage_ms = pipeline.times.end_frame()
            pipeline.fps = pipeline.rate.tick()
            if watched:
                telemetry.frame_done(stage_ms, pipeline.fps, event, output)
                for worker_ms in pipeline.worker.drain() if pipeline.worker else ():
                    telemetry.stages_done(worker_ms)
            notifier.frame_done(pipeline.fps)
            result.frames += 1
            if config.output.max_frames and result.frames >= config.output.max_frames:
                result.stopped_by = "max frames"
                break
        else:
            result.stopped_by = "signal"
    except StopRequested:
        result.stopped_by = "window closed"
    finally:
        notifier.stopping()
        result.seconds = time.perf_counter() - started
        restore()
        pipeline.close()
        _close_all(sinks, result, log)
        source.close()
    result.stages = pipeline.stage_summary()
    result.output = pipeline.output.summary()
    return result


def _open_sinks(
    sinks: list, config: Config, source, telemetry: Telemetry, log, secrets: Secrets, setup_of: tuple
) -> None:
    """Opened one by one into ``sinks``, so that if one fails the ones already open can be closed.
    ``setup_of``: the pipeline and the config file, for the snapshots' crops and the page's setup."""
    if config.output.display:
        sinks.append(DisplaySink())
    if config.output.record:
        sinks.append(RecordSink(config.output.record, source.fps))
    if config.output.events:
        sinks.append(EventsSink(config.output.events))
    snapshots = None
    if config.snapshots.folder:
        from edgecam.edge.outputs.snapshots import SnapshotSettings, SnapshotSink

        s = config.snapshots
        snapshots = SnapshotSink(SnapshotSettings(s.folder, s.max_files, s.max_days, s.min_free_mb, s.queue), log)
        telemetry.registry.register(snapshots)  # /metrics: written and dropped
        sinks.append(snapshots)
        setup_of[0].taps.append(snapshots)  # face crops from the frame before it is drawn on
        log(f"Snapshots: {s.folder} (at most {s.max_files}, {s.max_days:g} days)")
    if config.stream.listen:
        from edgecam.edge.setup.controller import Setup

        pipeline, config_file = setup_of
        setup = Setup(pipeline, config_file, snapshots, log)
        sinks.append(_stream(config, telemetry, log, snapshots, setup))
    if config.mqtt.broker:
        from edgecam.edge.outputs.mqtt_link import MqttLink

        link = MqttLink(config.mqtt, telemetry, log, secrets.mqtt_password)
        sinks.append(link)
        root = link.topics["events"].rsplit("/", 1)[0]
        log(f"MQTT: publishing to {config.mqtt.broker}:{config.mqtt.port} under {root}/")


def _stream(config: Config, telemetry: Telemetry, log, snapshots=None, setup=None):
    from edgecam.edge.outputs.frame_hub import FrameHub
    from edgecam.edge.outputs.stream_server import StreamServer

    token = config.stream.token  # $EDGECAM_STREAM_TOKEN, when set, is already here (edge.settings)
    server = StreamServer(
        config.stream.listen,
        FrameHub(config.stream.quality),
        telemetry,
        token,
        config.stream.max_viewers,
        snapshots,
        config.snapshots.history,
        setup,
    )
    log(f"Live view on {server.url}" + ("" if token else " (no token)"))
    if server.public and not token:
        log("Warning: the stream is open to the whole network with no token; set EDGECAM_STREAM_TOKEN.")
    return server


def _reconnect(source, sinks, telemetry: Telemetry, stop: threading.Event, log) -> bool:
    """A live source went quiet: say so, reopen with exponential back-off, say when it is back."""
    telemetry.camera_gone()
    _tell(sinks, "note", {"event": "camera_lost", "time": round(time.time(), 3)})
    log(f"{source.description}: no frames; reconnecting")
    delay = 0.5
    while not stop.is_set():
        if source.reopen():
            telemetry.camera_back()
            _tell(sinks, "note", {"event": "camera_restored", "time": round(time.time(), 3)})
            log(f"{source.description}: restored")
            return True
        stop.wait(delay)
        delay = min(delay * 2, 30.0)
    return False


def _tell(sinks, method: str, event: dict) -> None:
    """Sinks that care about more than frames have ``note`` (camera events) or ``change`` (scene changes)."""
    for sink in sinks:
        if hasattr(sink, method):
            getattr(sink, method)(event)


def _close_all(sinks, result: RunResult, log) -> None:
    for sink in sinks:
        try:
            sink.close()
        except OSError as error:
            message = f"{sink.name} could not be finalised: {error.strerror or error}."
            result.warnings.append(message)
            log(message)


def _stop_on_signals(stop: threading.Event):
    """SIGINT and SIGTERM end the loop after the current frame, so sinks are closed properly."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())

    def restore():
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
