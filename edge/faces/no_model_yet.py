"""Faces before there is a face model: found, tracked and kept, all "unknown".

A camera set up from the browser starts with an empty face library. Until it holds three
people (with two, most strangers were named: setup.controller.MIN_PEOPLE), this stands in for the recogniser:
faces are detected with the default detector and called "unknown", so the loop draws them,
snapshots keep their crops, and the live page can name them or enrol people in front of the
camera. The first model is trained from the library once a third person is in it.
"""

from __future__ import annotations

import math

import numpy as np

from edgecam.edge.faces.detect import Detection, DetectorSettings, make_detector
from edgecam.edge.faces.recognizer import UNKNOWN, Face

NO_MODEL = "no face model yet"  # the reason these faces are "unknown"


class NoModelYet:
    meta = None  # no model, so no metadata

    def __init__(self, yunet_model: str | None = None):
        settings = DetectorSettings()
        if yunet_model:
            settings.detector, settings.yunet_model = "yunet", yunet_model
        self.detect = make_detector(settings)

    def recognize(self, grey: np.ndarray, detections: list[Detection]) -> list[Face]:
        return [Face(UNKNOWN, 0.5, math.inf, d.box, reason=NO_MODEL) for d in detections]
