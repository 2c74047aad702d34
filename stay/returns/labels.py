"""The return label and packing slip: one PDF, made on demand from the return's rows.

The upper half is the label for the parcel (addresses, the return number as a Code 128 barcode
and a QR code, both for the warehouse's scanner); the lower half is the packing slip that goes
inside. The text is set in Nanum Gothic (SIL Open Font License, from the koreanize-matplotlib
wheel, installed without its dependencies: only its font files are read), embedded in the PDF,
so Latin, Hangul and "·" print the same on every printer. Without that wheel, reportlab's
built-in CID font is used (not embedded: the viewer's own font then fills in).
"""

import importlib.util
import io
import logging
from pathlib import Path

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Group, Rect
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .models import Outcome, Return, ReturnSettings

log = logging.getLogger(__name__)


def _font() -> str:
    spec = importlib.util.find_spec("koreanize_matplotlib")  # finds the files; imports nothing
    folder = Path(next(iter(spec.submodule_search_locations or []), "")) if spec else None
    if folder is not None and (folder / "fonts" / "NanumGothic.ttf").exists():
        pdfmetrics.registerFont(TTFont("NanumGothic", str(folder / "fonts" / "NanumGothic.ttf")))
        return "NanumGothic"
    log.warning("koreanize-matplotlib is not installed: return labels use a font that is not embedded")
    pdfmetrics.registerFont(UnicodeCIDFont("HYGothic-Medium"))
    return "HYGothic-Medium"


FONT = _font()  # covers Latin and Hangul


def _barcode(pdf: canvas.Canvas, number: str, x: float, y: float) -> None:
    barcode = Code128(
        number, barHeight=22 * mm, barWidth=0.5 * mm, humanReadable=True, quiet=True, fontName=FONT, fontSize=10
    )
    barcode.drawOn(pdf, x, y)


def _qr(pdf: canvas.Canvas, value: str, x: float, y: float, size: float) -> None:
    """The QR code's dark modules as filled rectangles, drawn straight on the page (through
    renderPDF the page would also name a font it never uses, one that is not embedded)."""
    widget = QrCodeWidget(value, barLevel="M")
    x0, _y0, x1, _y1 = widget.getBounds()
    scale = size / (x1 - x0)
    pdf.saveState()
    pdf.setFillColorRGB(0, 0, 0)
    for rect in _rects(widget.draw()):
        if rect.fillColor is not None:
            pdf.rect(x + rect.x * scale, y + rect.y * scale, rect.width * scale, rect.height * scale, stroke=0, fill=1)
    pdf.restoreState()


def _rects(group: Group) -> list[Rect]:
    found = []
    for node in getattr(group, "contents", []):
        if isinstance(node, Rect):
            found.append(node)
        found += _rects(node)
    return found


def _lines(pdf: canvas.Canvas, x: float, y: float, text: str, size: int = 11, leading: float = 5.5 * mm) -> float:
    pdf.setFont(FONT, size)
    for row in text.splitlines() or [""]:
        pdf.drawString(x, y, row)
        y -= leading
    return y


def label_response(ret: Return, language: str) -> HttpResponse:
    """The label as an inline PDF download, its text in ``language``."""
    with override(language):
        pdf = label_pdf(ret)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="return-{ret.number}.pdf"'
    return response


def label_pdf(ret: Return) -> bytes:
    number = ret.number or ""
    rules = ReturnSettings.objects.filter(store=ret.store).first()
    if rules is None or not rules.labels_ready:
        raise ValueError(f"store {ret.store_id} has no return address or carrier: no label for {ret.number}")
    address, carrier = rules.return_address.strip(), rules.carrier.strip()
    sender = ret.customer.name or ""
    ship_to = ret.order.shipping_address or {}
    from_lines = "\n".join(
        v for v in (sender, ship_to.get("address1", ""), ship_to.get("city", ""), ship_to.get("zip", "")) if v
    )
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, initialFontName=FONT)
    pdf.setTitle(_("Return %(number)s") % {"number": number})
    width, height = A4
    left, top = 20 * mm, height - 20 * mm

    # --- the label
    pdf.setLineWidth(1.2)
    pdf.rect(left - 5 * mm, height / 2 + 5 * mm, width - 2 * left + 10 * mm, height / 2 - 20 * mm)
    pdf.setFont(FONT, 18)
    pdf.drawString(left, top - 5 * mm, _("RETURN %(number)s") % {"number": number})
    pdf.setFont(FONT, 10)
    pdf.drawString(
        left, top - 12 * mm, _("Via %(carrier)s · order %(order)s") % {"carrier": carrier, "order": ret.order.name}
    )
    y = _lines(pdf, left, top - 24 * mm, _("FROM"), 9)
    y = _lines(pdf, left, y, from_lines or "—", 11)
    y = _lines(pdf, left, y - 4 * mm, _("TO"), 9)
    _lines(pdf, left, y, f"{ret.store.name}\n{address}", 14, 7 * mm)
    _barcode(pdf, number, left, height / 2 + 12 * mm)
    _qr(pdf, number, width - left - 40 * mm, top - 45 * mm, 40 * mm)

    # --- the packing slip, on the lower half
    y = height / 2 - 10 * mm
    y = _lines(pdf, left, y, _("Packing slip: put this inside the parcel"), 13, 8 * mm)
    pdf.setFont(FONT, 10)
    pdf.drawString(
        left,
        y,
        _("Return %(number)s for order %(order)s, %(date)s")
        % {
            "number": number,
            "order": ret.order.name,
            "date": timezone.localdate(ret.created_at).isoformat(),
        },
    )
    y -= 8 * mm
    for line in ret.lines.select_related("order_line", "exchange_variant").all():
        if line.keep_item:
            continue
        item = line.order_line.title + (f" ({line.order_line.variant_title})" if line.order_line.variant_title else "")
        pdf.drawString(left, y, f"{line.quantity} × {item[:70]}")
        outcome = str(line.get_outcome_display())
        if line.outcome == Outcome.EXCHANGE and line.exchange_variant is not None:
            outcome = _("Exchange for %(variant)s") % {"variant": line.exchange_variant.title}
        pdf.drawString(left + 8 * mm, y - 5 * mm, f"{line.get_reason_display()} → {outcome}")
        y -= 12 * mm
        if y < 40 * mm:
            break
    _barcode(pdf, number, left, 15 * mm)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
