"""``edgecam card print``'s two outputs from one layout: a vector PDF (crisp at any printer's
resolution, A6 landscape, no font embedded: Helvetica is one of PDF's standard fonts) and a PNG
at a chosen resolution.

The base install has no PDF library (the Pi gets numpy, OpenCV, ONNX Runtime and typer only),
and one page of filled rectangles and two lines of text is a few hundred bytes of PDF operators.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge import atomic
from edgecam.edge.digits import card_layout as layout

POINTS_PER_MM = 72 / 25.4
TITLE = "edgecam: write the digits in the box"
FOOTER = "keep the corner squares in view"


def write_card(path: Path, dpi: int = 300) -> None:
    """The card to ``path``: PDF for a ``.pdf`` suffix, otherwise a raster image OpenCV can write."""
    if path.suffix.lower() == ".pdf":
        data = card_pdf()
        with atomic.atomic_path(path, mode=0o644) as tmp:
            tmp.write_bytes(data)
        return
    if not cv2.haveImageWriter(str(path)):
        raise ValueError(f"OpenCV cannot write {path.suffix or 'suffix-less'} images")
    image = card_image(dpi)
    with atomic.atomic_path(path, mode=0o644) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise ValueError(f"OpenCV cannot write a {path.suffix or 'suffix-less'} image")


def card_image(dpi: int = 300) -> np.ndarray:
    """The card as a grey image, ``dpi`` pixels per inch."""
    scale = dpi / 25.4
    width, height = (round(v * scale) for v in layout.CARD_MM)
    image = np.full((height, width), 255, np.uint8)

    def pixels(x: float, y: float) -> tuple[int, int]:
        return round(x * scale), round(y * scale)

    for rect in layout.black_rects():
        cv2.rectangle(image, pixels(rect.x, rect.y), pixels(rect.x + rect.w, rect.y + rect.h), 0, cv2.FILLED)
    x, y, w, h = layout.BOX_MM
    cv2.rectangle(image, pixels(x, y), pixels(x + w, y + h), 0, max(1, round(layout.BOX_LINE_MM * scale)))
    font_scale = 2.5 * scale / 22  # capitals 2.5 mm tall (Hershey simplex's are 22 units at scale 1)
    for text, top in ((TITLE, 18.0), (FOOTER, 90.0)):
        cv2.putText(image, text, pixels(30.0, top), cv2.FONT_HERSHEY_SIMPLEX, font_scale, 80, max(1, dpi // 150))
    return image


def card_pdf() -> bytes:
    """One A6 landscape page in PDF 1.4: the markers as filled rectangles, the box, two lines of text."""
    width, height = layout.CARD_MM

    def at(x: float, y: float) -> str:  # PDF's origin is the bottom left, in points
        return f"{x * POINTS_PER_MM:.2f} {(height - y) * POINTS_PER_MM:.2f}"

    ops = ["0 g"]

    def box(rect: layout.Rect) -> str:  # a rectangle by its bottom-left corner, width and height
        return f"{at(rect.x, rect.y + rect.h)} {rect.w * POINTS_PER_MM:.2f} {rect.h * POINTS_PER_MM:.2f} re"

    for rect in layout.black_rects():
        ops.append(f"{box(rect)} f")
    ops.append(f"{layout.BOX_LINE_MM * POINTS_PER_MM:.2f} w {box(layout.Rect(*layout.BOX_MM))} S")
    ops.append("0.3 g")
    for text, top in ((TITLE, 18.0), (FOOTER, 90.0)):
        ops.append(f"BT /F1 8 Tf {at(30.0, top)} Td ({_pdf_text(text)}) Tj ET")
    content = zlib.compress("\n".join(ops).encode("ascii"))
    page = f"{width * POINTS_PER_MM:.2f} {height * POINTS_PER_MM:.2f}"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page}] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>".encode("ascii"),
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode("ascii") + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    table = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{table}\n%%EOF\n".encode("ascii")
    return bytes(out)


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
