"""A QR code as inline SVG (reportlab's own encoder: no image library, no network)."""

import re

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing


def qr_svg(value: str, *, size: int = 200) -> str:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    svg = svg[svg.index("<svg") :]  # without the XML prologue and doctype, to sit inside HTML
    # Style attributes become SVG presentation attributes: the pages' Content-Security-Policy
    # allows no inline style, and would otherwise paint every module black.
    return _STYLE.sub(lambda m: " ".join(_attributes(m.group(1))), svg)


_STYLE = re.compile(r'style="([^"]*)"')


def _attributes(style: str) -> list[str]:
    pairs = (part.split(":", 1) for part in style.split(";") if ":" in part)
    return [f'{name.strip()}="{value.strip()}"' for name, value in pairs]
