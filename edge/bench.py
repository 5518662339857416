"""The measuring side of ``edgecam bench``: decode once, run the real pipeline, time every stage.

Frames are decoded up front (decode is timed on its own as ``capture``), then the
pipeline runs on them exactly as ``edgecam run`` would, without sinks, so a
baseline loop can run on the very same frames in the same process.
"""

from __future__ import annotations

import http.client
import threading
import time

import numpy as np

from edgecam.edge.config import Config
from edgecam.edge.loop import Pipeline
from edgecam.edge.sources.capture import open_source
from edgecam.edge.timing import latency_stats


def decode(source_spec: str, frames: int) -> tuple[list[np.ndarray], list[float]]:
    """Up to ``frames`` frames of the source (a file is looped) and each one's decode milliseconds."""
    source = open_source(source_spec, loop=True)
    decoded: list[np.ndarray] = []
    times: list[float] = []
    try:
        while len(decoded) < frames:
            started = time.perf_counter()
            frame = source.read()
            if frame is None:
                break
            times.append((time.perf_counter() - started) * 1000)
            decoded.append(frame)
    finally:
        source.close()
    return decoded, times


def measure(process, frames: list[np.ndarray]) -> dict:
    """Run ``process(frame, index)`` over the frames; wall time, CPU share and the events."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    events = [process(frame.copy(), index) for index, frame in enumerate(frames)]
    wall = time.perf_counter() - wall0
    return {
        "fps": len(frames) / wall,
        "frames": len(frames),
        "seconds": round(wall, 3),
        "cpu_percent": round(100 * (time.process_time() - cpu0) / wall, 1),
        "events": events,
    }


def run_pipeline(config: Config, frames: list[np.ndarray], decode_ms: list[float]) -> dict:
    pipeline = Pipeline(config)

    def process(frame, index):
        delivered = time.perf_counter()  # the frame is decoded already: its turn starts now
        event = pipeline.process(frame, index)
        pipeline.output.handed(delivered)
        pipeline.times.end_frame()
        return event

    try:
        result = measure(process, frames)
    finally:
        pipeline.close()
    stages = {"capture": latency_stats(decode_ms), **pipeline.stage_summary()}
    result["stages"] = stages
    # Frames are taken one by one as fast as the loop goes, so none is skipped or waits in a queue;
    # the face worker (two threads or more) is given every frame too, as for a file.
    result.update(pipeline.output.summary(), skipped_frames=0, face_skipped_frames=0)
    if pipeline.digits is not None:  # what the digit stage's cost is made of
        result.update(digit_reads=pipeline.digits.reads, card_searches=pipeline.digits.searches)
    return result


def run_streamed(config: Config, frames: list[np.ndarray], viewers: int) -> dict:
    """The pipeline again, now handing every frame to the web stream while ``viewers`` clients read it."""
    from edgecam.edge.outputs.frame_hub import FrameHub
    from edgecam.edge.outputs.stream_server import StreamServer
    from edgecam.edge.outputs.telemetry import Telemetry

    pipeline, telemetry = Pipeline(config), Telemetry()
    server = StreamServer("127.0.0.1:0", FrameHub(config.stream.quality), telemetry, max_viewers=max(viewers, 1))
    received = [0] * viewers
    clients = [threading.Thread(target=_view, args=(server.port, received, i), daemon=True) for i in range(viewers)]
    for client in clients:
        client.start()
    while server.viewers < viewers:
        time.sleep(0.01)

    def process(frame, index):
        event = pipeline.process(frame, index)
        server.write(frame, event)
        telemetry.frame_done(pipeline.times.end_frame(), 0.0, event)
        return event

    try:
        result = measure(process, frames)
    finally:
        pipeline.close()
        server.close()
        # Closing ends every stream; a viewer counts what reached it until then. Without waiting, a
        # viewer starved of the CPU by the loop could still have parts unread in its socket.
        for client in clients:
            client.join(timeout=5.0)
    del result["events"]
    encode = list(server.hub.encode_ms) or [0.0]
    return {
        **result,
        "viewers": viewers,
        "jpegs": server.hub.encoded,
        "frames_received": received,
        "jpeg_ms": latency_stats(encode),
    }


def _view(port: int, received: list, slot: int) -> None:
    """A viewer that reads the MJPEG stream as fast as it comes until the server ends it, counting the parts."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/stream.mjpg")
    response = connection.getresponse()
    try:
        while True:
            line = response.fp.readline()
            if not line:
                return
            if line.lower().startswith(b"content-length:"):
                response.fp.readline()
                response.fp.read(int(line.split(b":")[1]))
                received[slot] += 1
    except OSError:
        pass
    finally:
        connection.close()
