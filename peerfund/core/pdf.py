"""Simple Chinese documents as PDF (contracts, disclosure reports), with reportlab's
built-in CJK font (no system fonts)."""
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render_document(*, title: str, subtitle: str, lines: list[str], table: list[tuple[str, ...]]) -> bytes:
    """A PDF of a title, a subtitle, lines of text and a table. Deterministic for the
    same input (no creation timestamp), so a contract's hash is reproducible."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    width, height = A4
    y = height - 25 * mm

    def line(text: str, size: int = 10, gap: float = 6 * mm):
        nonlocal y
        if y < 20 * mm:
            pdf.showPage()
            y = height - 20 * mm
        pdf.setFont(FONT, size)
        pdf.drawString(20 * mm, y, text)
        y -= gap

    line(title, 16, 10 * mm)
    line(subtitle, 9)
    for text in lines:
        line(text)
    y -= 3 * mm
    for row in table:
        line("    ".join(row), 9, 5 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
