"""A live window with Tk, for OpenCV builds without a GUI (the headless wheel edgecam installs).

The headless OpenCV wheel links no X or GL libraries, so edgecam imports on a
Raspberry Pi OS Lite image; on a desktop, Python's own Tk shows the frames instead.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

NO_DISPLAY = "no display"  # what open_tk raises with, for the caller's own sentence


def open_tk(title: str):
    """A Tk root window, or ImportError (no Tk) / RuntimeError(NO_DISPLAY)."""
    import tkinter

    try:
        root = tkinter.Tk()
    except tkinter.TclError as error:
        raise RuntimeError(NO_DISPLAY) from error
    root.title(title)
    return root


def photo(tk, frame: np.ndarray):
    """A BGR or grey frame as a Tk PhotoImage (through PPM: no Pillow needed)."""
    height, width = frame.shape[:2]
    rgb = frame[:, :, ::-1] if frame.ndim == 3 else np.repeat(frame[:, :, None], 3, axis=2)
    ppm = b"P6 %d %d 255\n" % (width, height) + np.ascontiguousarray(rgb).tobytes()
    return tk.PhotoImage(data=ppm, format="PPM")


class TkWindow:
    """``show(frame)`` then ``key()``: the last key pressed ("q", "Escape", ...) or None."""

    def __init__(self, title: str):
        import tkinter

        self._tk = tkinter
        self.root = open_tk(title)
        self.label = tkinter.Label(self.root)
        self.label.pack()
        self.keys: list[str] = []
        self.closed = False
        self.root.bind("<Key>", lambda event: self.keys.append(event.keysym))
        self.root.protocol("WM_DELETE_WINDOW", self._on_close)

    def _on_close(self) -> None:
        self.closed = True

    def show(self, frame: np.ndarray) -> None:
        image = photo(self._tk, frame)
        self.label.configure(image=image)
        self._image = image  # Tk keeps no reference of its own: without this the picture vanishes

    def key(self, wait_ms: int = 1) -> str | None:
        """Handle the window's events for about ``wait_ms`` (as cv2.waitKey does), then the key."""
        deadline = time.monotonic() + wait_ms / 1000
        self.root.update()
        while not self.keys and not self.closed and time.monotonic() < deadline:
            time.sleep(0.005)  # really wait: the pause loop calls this over and over
            self.root.update()
        if self.closed:
            return "q"
        return self.keys.pop(0) if self.keys else None

    def close(self) -> None:
        with contextlib.suppress(self._tk.TclError):
            self.root.destroy()
