"""A stand-in for rpicam-vid: I420 frames of a real clip on stdout, with rpicam-vid's stride padding.

Installed on PATH as ``rpicam-vid`` by the tests. It reads the options edgecam passes
(--width, --height, --framerate, --codec yuv420, --output -) and, to test recovery,
misbehaves on its first launch as ``$FAKE_RPICAM_MODE`` says: ``exit-after:N`` (dies
after N frames), ``stall-after:N`` (stops writing but stays alive). Later launches
behave. ``$FAKE_RPICAM_LAUNCHES`` names a file that counts launches.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np


def i420_padded(frame: np.ndarray, width: int, height: int) -> bytes:
    """The frame as rpicam-vid writes it: Y, U, V planes with lines padded to a 64-byte stride."""
    flat = cv2.cvtColor(cv2.resize(frame, (width, height)), cv2.COLOR_BGR2YUV_I420).reshape(-1)
    stride = -(-width // 64) * 64
    luma, chroma = width * height, (width // 2) * (height // 2)
    y = flat[:luma].reshape(height, width)
    u = flat[luma : luma + chroma].reshape(height // 2, width // 2)
    v = flat[luma + chroma :].reshape(height // 2, width // 2)
    planes = []
    for plane, line in ((y, stride), (u, stride // 2), (v, stride // 2)):
        padded = np.zeros((plane.shape[0], line), np.uint8)
        padded[:, : plane.shape[1]] = plane
        planes.append(padded.tobytes())
    return b"".join(planes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--framerate", type=float, default=30)
    parser.add_argument("--codec")
    parser.add_argument("--output")
    parser.add_argument("--timeout")
    parser.add_argument("--nopreview", action="store_true")
    args = parser.parse_args()
    assert args.codec == "yuv420" and args.output == "-", "edgecam must ask for raw I420 on stdout"
    launches = Path(os.environ["FAKE_RPICAM_LAUNCHES"])
    launch = int(launches.read_text() or 0) + 1 if launches.exists() else 1
    launches.write_text(str(launch))
    mode, _, count = (os.environ.get("FAKE_RPICAM_MODE", "") if launch == 1 else "").partition(":")
    clip = cv2.VideoCapture(os.environ["FAKE_RPICAM_CLIP"])
    out = sys.stdout.buffer
    sent = 0
    while True:
        ok, frame = clip.read()
        if not ok:
            clip.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        if mode and sent >= int(count):
            if mode == "exit-after":
                sys.exit(1)
            while True:  # stall-after: alive, silent
                time.sleep(1)
        out.write(i420_padded(frame, args.width, args.height))
        out.flush()
        sent += 1
        time.sleep(1 / args.framerate)


if __name__ == "__main__":
    main()
