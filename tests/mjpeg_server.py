"""A tiny MJPEG camera on 127.0.0.1 for the reconnect test: ``python -m tests.mjpeg_server PORT``.

Serves /stream.mjpg (multipart/x-mixed-replace) of a moving pattern at ~20 FPS,
like a network camera; killing the process is the camera being unplugged.
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np


class Camera(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/stream.mjpg":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        index = 0
        try:
            while True:
                frame = np.full((240, 320, 3), 90, np.uint8)
                cv2.circle(frame, (20 + index * 7 % 280, 120), 20, (0, 200, 255), -1)
                jpeg = cv2.imencode(".jpg", frame)[1].tobytes()
                self.wfile.write(
                    b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                    + str(len(jpeg)).encode()
                    + b"\r\n\r\n"
                    + jpeg
                    + b"\r\n"
                )
                index += 1
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Camera).serve_forever()
