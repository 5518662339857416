"""The Raspberry Pi camera through ``rpicam-vid``, read as raw I420 frames from its stdout.

rpicam-vid ships with Raspberry Pi OS (``libcamera-vid`` on older releases) and
talks to libcamera itself, so edgecam needs no picamera2 and shares no compiled
NumPy with the OS. The child is wrapped as a capture object for ``LiveSource``:
when it dies or stops writing, ``LiveSource`` sees no frame for its timeout, the
loop reports the camera lost and reopens it, and ``release`` kills the old child.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

import cv2
import numpy as np

from edgecam.edge.errors import Unavailable

PROGRAMS = ("rpicam-vid", "libcamera-vid")
STRIDE_ALIGN = 64  # rpicam-vid's yuv420 output keeps the ISP's line stride: widths padded to 64


def find_program() -> str:
    for name in PROGRAMS:
        path = shutil.which(name)
        if path:
            return path
    raise Unavailable(
        "Neither rpicam-vid nor libcamera-vid is on PATH; on Raspberry Pi OS run "
        "'sudo apt install rpicam-apps' (Lite images: 'rpicam-apps-lite')."
    )


class RpicamCapture:
    """``read() -> (ok, frame)`` like ``cv2.VideoCapture``, from a running rpicam-vid."""

    def __init__(self, width: int = 640, height: int = 480, fps: float = 30.0, program: str | None = None):
        if width % 2 or height % 2:
            raise Unavailable(f"The Pi camera's size must be even in both directions, not {width}x{height}.")
        self.width, self.height, self.fps = width, height, fps
        self.stride = -(-width // STRIDE_ALIGN) * STRIDE_ALIGN
        self.frame_bytes = self.stride * height * 3 // 2
        command = [
            program or find_program(),
            "--timeout",
            "0",
            "--nopreview",
            "--codec",
            "yuv420",
            "--width",
            str(width),
            "--height",
            str(height),
            "--framerate",
            f"{fps:g}",
            "--output",
            "-",
        ]
        try:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, bufsize=0
            )
        except OSError as error:
            raise Unavailable(f"Could not start {command[0]} ({error}).") from error
        self.stderr_tail: list[str] = []
        # Both pipes were asked for above, so Popen made them.
        assert self.process.stdout is not None and self.process.stderr is not None
        self.stdout, self.stderr = self.process.stdout, self.process.stderr
        # libcamera logs to stderr; drain it so a chatty camera cannot block the child, keep the end for errors.
        threading.Thread(target=self._drain_stderr, name="edgecam-rpicam-log", daemon=True).start()

    def _drain_stderr(self) -> None:
        for line in iter(self.stderr.readline, b""):
            self.stderr_tail = ([*self.stderr_tail, line.decode(errors="replace").rstrip()])[-5:]

    def isOpened(self) -> bool:
        return self.process.poll() is None

    def get(self, prop: int) -> float:
        return float(self.fps) if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self) -> tuple[bool, np.ndarray | None]:
        data = self._read_exactly(self.frame_bytes)
        if data is None:
            return False, None
        planes = np.frombuffer(data, np.uint8)
        h, w, s = self.height, self.width, self.stride
        y = planes[: s * h].reshape(h, s)[:, :w]
        u = planes[s * h : s * h * 5 // 4].reshape(h // 2, s // 2)[:, : w // 2]
        v = planes[s * h * 5 // 4 :].reshape(h // 2, s // 2)[:, : w // 2]
        i420 = np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)]).reshape(h * 3 // 2, w)
        return True, cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)

    def _read_exactly(self, count: int) -> bytes | None:
        chunks, missing = [], count
        while missing:
            try:
                chunk = self.stdout.read(missing)
            except (OSError, ValueError):  # closed by release() while this thread waited
                return None
            if not chunk:  # the child exited (or was killed): a torn last frame is dropped
                return None
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stdout.close()


def open_rpicam(width: int = 640, height: int = 480, fps: float = 30.0):
    from edgecam.edge.sources.capture import LiveSource

    program = find_program()
    return LiveSource(lambda: RpicamCapture(width, height, fps, program), f"the Pi camera ({program})")
