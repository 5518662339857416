"""A stand-in for Raspberry Pi OS's picamera2 that plays a real clip, for the picamera2 source's tests.

The tests put a ``picamera2`` package on PYTHONPATH whose ``Picamera2`` is this class. It logs
each configuration it is given (FAKE_PICAMERA_LOG), counts its launches (FAKE_PICAMERA_LAUNCHES),
delivers frames at the frame rate it was configured for, and with FAKE_PICAMERA_DIE_AT=N its first
launch fails after N frames, as a camera whose cable works loose does.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cv2


class Picamera2:
    def __init__(self):
        launches = Path(os.environ["FAKE_PICAMERA_LAUNCHES"])
        self.launch = int(launches.read_text()) + 1 if launches.exists() else 1
        launches.write_text(str(self.launch))
        self.clip = cv2.VideoCapture(os.environ["FAKE_PICAMERA_CLIP"])
        self.size, self.interval, self.frames, self.started = (640, 480), 1 / 30, 0, False

    def create_video_configuration(self, main=None, controls=None):
        return {"main": dict(main or {}), "controls": dict(controls or {})}

    def configure(self, configuration):
        self.size = tuple(configuration["main"]["size"])
        self.interval = 1 / configuration["controls"].get("FrameRate", 30)
        with open(os.environ["FAKE_PICAMERA_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps(configuration) + "\n")

    def start(self):
        self.started = True

    def capture_array(self, name="main"):
        if not self.started:
            raise RuntimeError("camera not started")
        die_at = int(os.environ.get("FAKE_PICAMERA_DIE_AT", "0"))
        if die_at and self.launch == 1 and self.frames >= die_at:
            time.sleep(0.1)
            raise RuntimeError("Camera frontend has timed out!")
        time.sleep(self.interval)
        ok, frame = self.clip.read()
        if not ok:
            self.clip.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.clip.read()
        self.frames += 1
        return cv2.resize(frame, self.size)

    def stop(self):
        self.started = False

    def close(self):
        self.clip.release()
