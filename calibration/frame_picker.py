"""Pick the digits' box or a tilted card's four corners on a frame, in a Tk window.

The headless OpenCV wheel edgecam installs has no GUI (no selectROI, no imshow), so
the desktop path is Python's own Tk, as for the live window. Where there is no display
at all, the caller gets one sentence pointing to the flags and to the live page.
"""

from __future__ import annotations

import numpy as np

from edgecam.edge.errors import ConfigError, Unavailable
from edgecam.edge.outputs.tk_window import open_tk, photo

NO_SCREEN = (
    "There is no display to pick the ROI on: give it as --roi x,y,w,h or --corners x1,y1,...,x4,y4, "
    "or draw it on the live page (edgecam run --stream 8080, then Setup)."
)
NO_TK = "Cannot open a window: Python has no Tk (on Debian: sudo apt install python3-tk); give --roi or --corners."


def pick(frame: np.ndarray, corners: bool) -> list[int]:
    """x, y, w, h dragged as a box, or the eight numbers of four corners clicked clockwise from
    the top left. Enter confirms, Esc cancels, a right click starts again."""
    try:
        root = open_tk("edgecam: " + ("click the card's 4 corners, clockwise" if corners else "drag the ROI"))
    except ImportError:
        raise Unavailable(NO_TK) from None
    except RuntimeError:
        raise Unavailable(NO_SCREEN) from None
    import tkinter

    image = photo(tkinter, frame)
    canvas = tkinter.Canvas(root, width=image.width(), height=image.height(), highlightthickness=0)
    canvas.pack()
    canvas.create_image(0, 0, image=image, anchor="nw")
    hint = "Enter: keep   Esc: cancel   right click: start again"
    canvas.create_text(8, 8, text=hint, anchor="nw", fill="yellow")
    points: list[tuple[int, int]] = []
    outcome: dict[str, bool] = {}

    def draw() -> None:
        canvas.delete("mark")
        if not corners and len(points) == 2:
            canvas.create_rectangle(*points[0], *points[1], outline="yellow", width=2, tags="mark")
        for x, y in points if corners else []:
            canvas.create_oval(x - 5, y - 5, x + 5, y + 5, fill="yellow", tags="mark")
        if corners and len(points) > 1:
            closed = points + points[:1] if len(points) == 4 else points
            canvas.create_line(*[v for p in closed for v in p], fill="yellow", width=2, tags="mark")

    def press(event) -> None:
        if corners:
            if len(points) < 4:
                points.append((event.x, event.y))
        else:
            points[:] = [(event.x, event.y), (event.x, event.y)]
        draw()

    def drag(event) -> None:
        if not corners and points:
            points[1] = (event.x, event.y)
            draw()

    def finish(kept: bool) -> None:
        outcome["kept"] = kept
        root.quit()

    canvas.bind("<ButtonPress-1>", press)
    canvas.bind("<B1-Motion>", drag)

    def again(_event) -> None:
        points.clear()
        draw()

    canvas.bind("<ButtonPress-3>", again)
    root.bind("<Return>", lambda _: finish(True))
    root.bind("<Escape>", lambda _: finish(False))
    root.protocol("WM_DELETE_WINDOW", lambda: finish(False))
    root.focus_force()
    root.mainloop()
    root.destroy()
    if not outcome.get("kept"):
        raise ConfigError("The ROI was not picked (cancelled); nothing was stored.")
    return _result(points, corners, frame.shape[1], frame.shape[0])


def _result(points: list[tuple[int, int]], corners: bool, width: int, height: int) -> list[int]:
    inside = [(min(max(x, 0), width - 1), min(max(y, 0), height - 1)) for x, y in points]
    if corners:
        if len(inside) != 4:
            raise ConfigError(f"Four corners are needed, {len(inside)} were clicked; nothing was stored.")
        return [v for point in inside for v in point]
    if len(inside) != 2:
        raise ConfigError("No box was dragged; nothing was stored.")
    (x0, y0), (x1, y1) = inside
    box = [min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)]
    if box[2] < 8 or box[3] < 8:
        raise ConfigError(f"The box dragged is {box[2]}x{box[3]} pixels, too small to read digits in.")
    return box
