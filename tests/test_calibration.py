"""Calibration on a real circle-grid set and on rendered boards with known intrinsics; the tilted-card ROI."""

from __future__ import annotations

import json
import tomllib

import cv2
import numpy as np
import pytest

from edgecam.calibration.boards import Board
from edgecam.calibration.intrinsics import View, calibrate, flags_from
from tests.conftest import SHARED_DATA, run_cli

ACIRCLES = SHARED_DATA / "calibration" / "acircles_4x11"
# The rendered chessboard views: 9x6 inner corners, 25 mm squares, no tangential distortion.
CHESSBOARD_9X6 = ["--pattern", "chessboard", "--size", "9x6", "--square", "25", "--zero-tangent"]


@pytest.mark.skipif(not ACIRCLES.is_dir(), reason="the acircles calibration set is not present")
def test_real_asymmetric_circles_match_opencvs_own_result(tmp_path):
    reference = cv2.FileStorage(str(ACIRCLES / "out_camera_data_left.xml"), cv2.FILE_STORAGE_READ)
    ref_fx = reference.getNode("camera_matrix_left").mat()[0, 0]
    ref_rms = reference.getNode("avg_reprojection_error_left").real()
    images = sorted(str(p) for p in ACIRCLES.glob("left*.jpg"))
    out = tmp_path / "left.yml"
    result = run_cli(
        "calibrate",
        "camera",
        *images,
        "--pattern",
        "acircles",
        "--size",
        "4x11",
        "--square",
        "20",
        "--fix-aspect-ratio",
        "--fix-principal-point",
        "--zero-tangent",
        "--out",
        str(out),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["views_used"]) == 25 and report["views_rejected"] == []
    assert report["rms"] <= 0.0984 and report["rms"] <= ref_rms * 1.05  # OpenCV's sample: 0.0937
    assert report["camera_matrix"][0][0] == pytest.approx(ref_fx, rel=0.01)  # 522.78
    assert report["camera_matrix"][0][0] == report["camera_matrix"][1][1]
    stored = cv2.FileStorage(str(out), cv2.FILE_STORAGE_READ)
    assert stored.getNode("camera_matrix").mat().shape == (3, 3)
    assert stored.getNode("per_view_reprojection_errors").mat().shape == (25, 1)


K = np.array([[810.0, 0, 331.0], [0, 800.0, 243.0], [0, 0, 1]])


def _chessboard_texture(cols=10, rows=7, square_px=40, margin=40):
    board = np.full((rows * square_px + 2 * margin, cols * square_px + 2 * margin), 255, np.uint8)
    for i in range(rows):
        for j in range(cols):
            if (i + j) % 2 == 0:
                y, x = margin + i * square_px, margin + j * square_px
                board[y : y + square_px, x : x + square_px] = 0
    return board, square_px, margin


def _render_views(count=14, seed=0):
    """Board photos from a camera with intrinsics K: homography K [r1 r2 t] from board mm to pixels."""
    texture, square_px, margin = _chessboard_texture()
    square_mm = 25.0
    rng = np.random.default_rng(seed)
    # texture pixel -> board mm (the first inner corner is at texture (margin + square, margin + square))
    to_mm = np.array(
        [
            [square_mm / square_px, 0, -(margin + square_px) * square_mm / square_px],
            [0, square_mm / square_px, -(margin + square_px) * square_mm / square_px],
            [0, 0, 1],
        ]
    )
    frames = []
    for _ in range(count):
        rvec = rng.uniform(-0.45, 0.45, 3) * np.array([1, 1, 0.3])
        rotation, _ = cv2.Rodrigues(rvec)
        tvec = np.array([rng.uniform(-120, 20), rng.uniform(-90, 10), rng.uniform(450, 650)])
        homography = K @ np.column_stack([rotation[:, 0], rotation[:, 1], tvec]) @ to_mm
        frame = cv2.warpPerspective(
            texture, homography, (640, 480), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=128
        )
        frames.append(np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8))
    return frames


def test_rendered_chessboard_recovers_known_intrinsics(tmp_path):
    paths = []
    for index, frame in enumerate(_render_views()):
        path = tmp_path / f"view{index:02d}.png"
        cv2.imwrite(str(path), frame)
        paths.append(str(path))
    result = run_cli(
        "calibrate",
        "camera",
        *paths,
        *CHESSBOARD_9X6,
        "--out",
        str(tmp_path / "cam.yml"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    matrix = np.array(report["camera_matrix"])
    for actual, expected in ((matrix[0, 0], 810), (matrix[1, 1], 800), (matrix[0, 2], 331), (matrix[1, 2], 243)):
        assert actual == pytest.approx(expected, rel=0.01)
    assert report["rms"] < 0.5


def test_a_view_that_does_not_fit_is_rejected_and_named():
    board = Board("chessboard", 9, 6, 25.0)
    objects = board.object_points()
    rng = np.random.default_rng(2)
    views = []
    for index in range(10):
        rvec = rng.uniform(-0.4, 0.4, 3)
        tvec = np.array([rng.uniform(-100, 0), rng.uniform(-80, 0), rng.uniform(450, 650)])
        points, _ = cv2.projectPoints(objects, rvec, tvec, K, None)
        points = points.reshape(-1, 2) + rng.normal(0, 0.1, (len(objects), 2))
        if index == 6:
            points += rng.normal(0, 4, points.shape)  # a mis-detected board
        views.append(View(f"view{index}", points, objects))
    result = calibrate(views, (640, 480), flags_from(False, False, True))
    assert [r["view"] for r in result.views_rejected] == ["view6"]
    assert "view6" not in result.views_used and result.rms < 0.3


def test_undistort_command_and_the_loop_use_the_calibration(tmp_path):
    frames = _render_views(count=10, seed=4)
    paths = []
    for index, frame in enumerate(frames):
        paths.append(str(tmp_path / f"v{index}.png"))
        cv2.imwrite(paths[-1], frame)
    calibration_file = tmp_path / "cam.yml"
    assert (
        run_cli(
            "calibrate",
            "camera",
            *paths,
            "--pattern",
            "chessboard",
            "--size",
            "9x6",
            "--square",
            "25",
            "--out",
            str(calibration_file),
        ).returncode
        == 0
    )
    result = run_cli("calibrate", "undistort", str(calibration_file), paths[0], "--out", str(tmp_path / "straight"))
    assert result.returncode == 0, result.stderr
    assert cv2.imread(str(tmp_path / "straight" / "v0.png")).shape == (480, 640, 3)
    events = tmp_path / "events.jsonl"
    result = run_cli(
        "run",
        "--source",
        str(tmp_path / "v*.png"),
        "--headless",
        "--calibration",
        str(calibration_file),
        "--events",
        str(events),
    )
    assert result.returncode == 0, result.stderr
    assert "undistort" in result.stderr and len(events.read_text().splitlines()) == 10


def test_roi_is_stored_in_the_config_keeping_other_settings(tmp_path):
    config = tmp_path / "edgecam.toml"
    config.write_text('[source]\nspec = "/dev/video1"\n[runtime]\nthreads = 2\n')
    result = run_cli("calibrate", "roi", "--corners", "100,50,400,70,390,210,95,190", "--out", str(config))
    assert result.returncode == 0, result.stderr
    stored = tomllib.loads(config.read_text())
    assert stored["digits"]["corners"] == [100, 50, 400, 70, 390, 210, 95, 190]
    assert stored["source"]["spec"] == "/dev/video1" and stored["runtime"]["threads"] == 2
    bad = run_cli("calibrate", "roi", "--corners", "1,2,3", "--out", str(config))
    assert bad.returncode == 78 and "--corners" in bad.stderr


def test_four_corner_roi_reads_a_tilted_card_as_well_as_a_straight_one(fp32_export, mnist):
    pytest.importorskip("torch")
    from edgecam.edge.digits.stage import DigitStage
    from edgecam.edge.scenes.cards import make_card

    rng = np.random.default_rng(9)
    straight_right = tilted_right = wrong = 0
    for _ in range(160):  # 40 cards were too few: 35 and 31 right in CI, where 160 gave 140 and 137 here
        card = make_card(mnist.test_images, mnist.test_labels, rng, margin=0.08)
        straight = np.full((480, 640, 3), 70, np.uint8)
        straight[160:320, 160:480] = card.image
        # The same card held at an angle: its corners land on a skewed quadrilateral.
        corners = (np.float32([[150, 120], [470, 170], [455, 340], [170, 300]]) + rng.uniform(-10, 10, (4, 2))).astype(
            np.float32
        )
        warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [319, 0], [319, 159], [0, 159]]), corners)
        tilted = cv2.warpPerspective(
            card.image, warp, (640, 480), borderMode=cv2.BORDER_CONSTANT, borderValue=(70, 70, 70)
        )
        stage_straight = DigitStage(str(fp32_export[0]), [165, 165, 310, 150], 1, 0.0, 1)
        inset = corners + (corners.mean(axis=0) - corners) * 0.04  # a hand-picked quad sits just inside the card
        stage_tilted = DigitStage(str(fp32_export[0]), [], 1, 0.0, 1, [int(v) for v in inset.ravel()])
        for reading, tally in ((stage_straight(straight), "straight"), (stage_tilted(tilted), "tilted")):
            right = reading.text == card.text
            straight_right += right and tally == "straight"
            tilted_right += right and tally == "tilted"
            wrong += not right and not reading.unsure
    # Two resamplings (the tilt, then the warp back) cost the tilted card a few sure reads: with
    # two 3-epoch models, 140 and 137, and 143 and 134, of 160. Never a wrong one with those; a
    # model of the same recipe trained since the eighth pass's reader changes (its card crops
    # are cut by the new reader) read 146 and 143, and 3 of the 320 wrong, with the old reader
    # code as with the new one: the model's doing, about 1 %.
    assert straight_right >= 136  # 85 %; the rest unsure
    assert tilted_right >= 128  # 80 %
    assert wrong <= 3


def test_live_mode_captures_views_as_the_board_moves(tmp_path):
    video = tmp_path / "board.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 10, (640, 480))
    for frame in _render_views(count=14, seed=7):
        for _ in range(3):  # each pose held for a few frames: only a moved board makes a new view
            writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    result = run_cli(
        "calibrate",
        "camera",
        "--source",
        str(video),
        "--headless",
        "--frames",
        "10",
        *CHESSBOARD_9X6,
        "--out",
        str(tmp_path / "cam.yml"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert 8 <= len(report["views_used"]) + len(report["views_rejected"]) <= 10
    assert np.array(report["camera_matrix"])[0, 0] == pytest.approx(810, rel=0.02)


def test_charuco_board_is_found_and_calibrates(tmp_path):
    board = Board("charuco", 7, 5, 30.0, 22.0, "DICT_4X4_50")
    square_px = 60
    texture = board._charuco.generateImage((7 * square_px, 5 * square_px), marginSize=0)
    to_mm = np.diag([30.0 / square_px, 30.0 / square_px, 1.0])
    rng = np.random.default_rng(5)
    paths = []
    for index in range(12):
        rvec = rng.uniform(-0.4, 0.4, 3) * np.array([1, 1, 0.3])
        rotation, _ = cv2.Rodrigues(rvec)
        tvec = np.array([rng.uniform(-130, -60), rng.uniform(-90, -40), rng.uniform(450, 600)])
        homography = K @ np.column_stack([rotation[:, 0], rotation[:, 1], tvec]) @ to_mm
        frame = cv2.warpPerspective(texture, homography, (640, 480), flags=cv2.INTER_AREA, borderValue=255)
        paths.append(str(tmp_path / f"c{index}.png"))
        cv2.imwrite(paths[-1], frame)
    result = run_cli(
        "calibrate",
        "camera",
        *paths,
        "--pattern",
        "charuco",
        "--size",
        "7x5",
        "--square",
        "30",
        "--marker",
        "22",
        "--zero-tangent",
        "--out",
        str(tmp_path / "cam.yml"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["views_used"]) >= 10
    assert np.array(report["camera_matrix"])[0, 0] == pytest.approx(810, rel=0.02)
