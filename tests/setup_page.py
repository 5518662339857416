"""Helpers for the setup page's tests: a browser driven with real mouse events, clips with faces,
a tilted card, and a loop serving its page."""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
from pathlib import Path

import cv2
import numpy as np

from tests.processes import start, wait_for

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
TOKEN = "setup-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@contextlib.contextmanager
def page_of(port: int, screenshots: Path | None = None):
    """Debian's Chromium, driven by Playwright (it downloads no browser of its own), on the live page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1000})
            page.on("dialog", lambda dialog: dialog.accept())  # "Forget NAME?"
            page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}")
            yield page
        finally:
            browser.close()


def call(port: int, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    connection.request(method, path, body=data, headers=headers or {})
    response = connection.getresponse()
    answer = json.loads(response.read() or b"null")
    connection.close()
    return response.status, answer


def setup_state(port: int) -> dict:
    return call(port, "GET", "/api/setup", headers=AUTH)[1]


def model_version(port: int) -> int:
    return setup_state(port)["model"]["version"]


def serve(port: int, *args: str):
    """``edgecam run ... --stream PORT`` with the token, up and serving."""
    process = start("run", "--loop", "--headless", "--stream", str(port), *args, env={"EDGECAM_STREAM_TOKEN": TOKEN})

    def up() -> bool:
        """Serving, and the loop has had its first frame (an ROI is checked against its size)."""
        with contextlib.suppress(OSError):
            status, state = call(port, "GET", "/api/setup", headers=AUTH)
            return status == 200 and state["frame"] is not None
        return False

    assert wait_for(up, 60), process.stderr.read() if process.poll() is not None else "the page never came up"
    return process


def drag(page, path: list[tuple[float, float]]) -> None:
    """Press at the first point, move through the others, release: real mouse events."""
    page.mouse.move(*path[0])
    page.mouse.down()
    for point in path[1:]:
        page.mouse.move(*point, steps=8)
    page.mouse.up()


def on_page(page, frame_point) -> tuple[float, float]:
    """A frame pixel as a point on the page, through the video's displayed size."""
    box = page.locator("#video").bounding_box()
    natural = page.evaluate(
        "[document.getElementById('video').naturalWidth, document.getElementById('video').naturalHeight]"
    )
    return box["x"] + frame_point[0] * box["width"] / natural[0], box["y"] + frame_point[1] * box["height"] / natural[1]


def written_events(path: Path) -> list[dict]:
    """The events a running loop has written whole: the last line may still be half-written."""
    return [json.loads(line) for line in path.read_text().split("\n")[:-1]]


def events_after(path: Path, action: str) -> list[dict]:
    """The frame events that followed the ``setup_changed`` event of ``action``."""
    lines = written_events(path)
    starts = [i for i, e in enumerate(lines) if e.get("event") == "setup_changed" and e["change"]["action"] == action]
    return [e for e in lines[starts[-1] + 1 :] if "frame" in e] if starts else []


def tilted(clip, out: Path) -> tuple[Path, list[int]]:
    """The clip seen from the side: each frame under one homography, as a camera looking down at an
    angle; and where the clip's ROI's corners went (clockwise from the top left)."""
    width, height = 640, 480
    target = np.float32([[60, 40], [600, 90], [560, 440], [90, 470]])
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [width, 0], [width, height], [0, height]]), target)
    x, y, w, h = clip.roi
    corners = cv2.perspectiveTransform(np.float32([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]]), matrix)[0]
    source = cv2.VideoCapture(str(clip.path))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), clip.fps, (width, height))
    while True:
        ok, frame = source.read()
        if not ok:
            break
        writer.write(cv2.warpPerspective(frame, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE))
    writer.release()
    source.release()
    return out, [round(v) for v in corners.ravel()]
