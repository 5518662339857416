"""Cuts between detections: seen on the frame they happen, where they happen; exposure is not a cut."""

from __future__ import annotations

import numpy as np
import pytest

from edgecam.edge.faces.change_watch import ChangeWatch
from edgecam.edge.faces.detect import centre_inside
from tests.face_scenes import background, camera, paste
from tests.orl_scenes import ORL, orl_image


def _wall(seed: int) -> np.ndarray:
    return background("blotchy", np.random.default_rng(seed), "heldout")


def _blob(height: int, wall: np.ndarray) -> np.ndarray:
    """A shaded oval, light on a dark wall and dark on a light one: something the size of a face
    that was not there before, standing out as a face does from most walls."""
    h, w = height, int(height * 0.8)
    yy, xx = np.mgrid[0:h, 0:w]
    inside = ((yy - h / 2) / (h / 2)) ** 2 + ((xx - w / 2) / (w / 2)) ** 2 <= 1
    shade = 230 - 50 * yy / h if wall.mean() < 128 else 20 + 50 * yy / h
    return np.where(inside, shade, 128).astype(np.uint8)


def _watching_a_wall(seed: int, **settings):
    """A wall, its camera, and a watch that has seen one frame of it."""
    rng = np.random.default_rng(seed)
    wall = _wall(seed)
    watch = ChangeWatch(**settings)
    watch.update(camera(wall, rng))
    return wall, rng, watch


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exposure_steps_and_sensor_noise_are_not_a_cut(seed):
    wall, rng, watch = _watching_a_wall(seed)
    assert watch.news([]) is None  # the first frame has nothing to compare with
    for _ in range(10):
        watch.update(camera(wall, rng))
        assert watch.news([]) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_cut_is_seen_on_its_frame_and_where_it_is(seed):
    wall, rng, watch = _watching_a_wall(seed)
    cut = wall.copy()
    box = paste(cut, _blob(180, wall), 180, rng, at=(380, 150))
    watch.update(camera(cut, rng))
    area = watch.news([])
    assert area is not None
    assert centre_inside(area, box) and centre_inside(box, area), (area, box)
    assert watch.share_changed(box) > 0.5
    assert watch.share_changed((0, 0, 200, 140)) < 0.1  # far from it, nothing moved
    assert watch.news([(20, 20, 150, 180)]) is not None  # a face tracked elsewhere: still news here
    assert watch.news([box]) is not None  # a face where one was tracked: replaced, look again


def test_a_tracked_face_moving_is_not_news():
    rng = np.random.default_rng(4)
    wall = _wall(4)
    watch = ChangeWatch()
    boxes = []
    for x in (300, 308, 316):  # walking 8 px a frame
        frame = wall.copy()
        boxes.append(paste(frame, _blob(180, wall), 180, rng, at=(x, 150)))
        watch.update(camera(frame, rng))
    assert watch.news([boxes[0]]) is None  # the tracker's box, from the last detection


def test_a_tracked_face_replaced_in_place_is_news():
    rng = np.random.default_rng(3)
    wall = _wall(3)
    first, second = wall.copy(), wall.copy()
    box = paste(first, _blob(200, wall), 200, rng, at=(200, 100))
    paste(second, 255 - _blob(200, wall), 200, rng, at=(200, 100))
    watch = ChangeWatch()
    watch.update(camera(first, rng))
    watch.update(camera(first, rng))
    assert watch.news([box]) is None  # the same face, still
    watch.update(camera(second, rng))
    area = watch.news([box])
    assert area is not None and centre_inside(box, area)


@pytest.mark.skipif(not ORL.is_dir(), reason="ORL faces not present")
@pytest.mark.parametrize("watch_changes", [True, False])
def test_the_tracker_looks_at_a_cut_before_its_next_detection(orl_model, watch_changes):
    from edgecam.edge.faces.recognizer import FaceRecognizer
    from edgecam.edge.faces.tracker import FaceTracker, TrackerSettings

    tracker = FaceTracker(FaceRecognizer(orl_model), TrackerSettings(detect_every=4, watch_changes=watch_changes))
    rng = np.random.default_rng(5)
    wall = _wall(7)
    before, after = wall.copy(), wall.copy()
    # s3 and s4: faces the coarse search finds in these frames (it misses a few per cent of faces).
    left = paste(before, orl_image(3, 9), 220, rng, at=(40, 120))
    right = paste(after, orl_image(4, 9), 220, rng, at=(400, 120))
    for _ in range(5):  # frames 0-4: detections on 0 and 4
        faces = tracker(camera(before, rng))
    assert [centre_inside(f.box, left) for f in faces] == [True]
    faces = tracker(camera(after, rng))  # frame 5: the next detection is due on frame 8
    on_left = [f for f in faces if centre_inside(f.box, left)]
    on_right = [f for f in faces if centre_inside(f.box, right)]
    if watch_changes:
        assert not on_left and [f.name for f in on_right] == ["s4"], faces
    else:  # without the watch the old face stays until frame 8: what the watch is for
        assert on_left and not on_right, faces


def test_change_in_the_quiet_area_is_not_news():
    card = (360, 130, 200, 230)  # where the digit card is read: its text changes all the time
    wall, rng, watch = _watching_a_wall(6, ignore=card)
    changed = wall.copy()
    paste(changed, _blob(180, wall), 180, rng, at=(380, 150))
    watch.update(camera(changed, rng))
    assert watch.news([]) is None
    assert ChangeWatch().news([]) is None  # nothing seen yet, nothing to say
