"""A face crop's measured quality: what each measure responds to, and what the decision does with it."""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
import pytest

from edgecam.edge.faces.quality import measure
from edgecam.edge.faces.recognizer import POOR, UNKNOWN, Face
from edgecam.edge.faces.tracker import Track
from tests.face_scenes import background, paste
from tests.orl_scenes import ORL, orl_image

needs_orl = pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")


def _scene(height: int = 200, seed: int = 0) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    frame = background("blotchy", rng, "tune")
    box = paste(frame, orl_image(5, 9), height, rng, at=(200, 100))
    return frame, box


@needs_orl
def test_a_face_grown_from_a_smaller_picture_measures_smaller():
    frame, box = _scene(110)
    native = measure(frame, box).resolution  # ORL's photos are soft: a 110 px paste measures well under 110
    small = cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA)
    grown = cv2.resize(small, (640, 480), interpolation=cv2.INTER_LINEAR)  # a 320x240 sensor mode scaled up
    assert 50 <= native <= 110, native
    assert measure(grown, box).resolution < 0.8 * native


@needs_orl
def test_sharpness_falls_with_blur_and_clipping_rises_with_exposure():
    frame, box = _scene(120)
    blurred = cv2.GaussianBlur(frame, (0, 0), 3)
    bright = np.clip(frame.astype(np.float32) * 2.2, 0, 255).astype(np.uint8)
    assert measure(blurred, box).sharpness < 0.8 * measure(frame, box).sharpness
    assert measure(frame, box).clipping < 0.01 < 0.2 < measure(bright, box).clipping


@needs_orl
def test_block_edges_of_a_jpeg_are_measured_on_its_own_grid():
    frame, box = _scene(160)
    compressed = cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 25])[1], cv2.IMREAD_GRAYSCALE)
    shifted = np.roll(compressed, (3, 3), axis=(0, 1))  # the same picture, its block edges off the grid
    assert measure(frame, box).blockiness < 0.15
    assert measure(compressed, box).blockiness > 0.4 > measure(shifted, box).blockiness


def test_a_box_off_the_frame_measures_without_failing():
    frame = np.full((480, 640), 128, np.uint8)
    for box in ((630, 470, 60, 60), (0, 0, 2, 2), (-30, -30, 50, 50)):
        quality = measure(frame, box)
        assert quality.resolution >= 1 and 0 <= quality.clipping <= 1


def _vote(name: str, quality: float) -> Face:
    return Face(name, 0.9, 10.0, (0, 0, 50, 50), quality=quality)


def test_a_track_weighs_each_vote_by_its_frames_quality():
    track = Track(1, (0, 0, 50, 50), deque([_vote("ann", 0.3), _vote("ann", 0.3), _vote("bob", 0.95)], maxlen=7))
    assert track.face().name == "bob"  # one sharp look outweighs two soft ones
    track.votes.append(_vote("ann", 0.5))
    assert track.face().name == "ann"


def test_a_visit_seen_only_through_poor_frames_stays_unknown_with_its_quality():
    track = Track(1, (0, 0, 50, 50))
    track.poor_quality = 0.2
    face = track.face()
    assert face.name == UNKNOWN and face.reason == POOR and face.quality == pytest.approx(0.2)
