"""Reports as files: the monthly disclosure report as PDF and as Excel, from the same
rows, so the two (and the disclosure page) always show the same figures."""
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from peerfund.core.pdf import render_document
from peerfund.disclosure.figures import DISCLOSED, MONTHLY_FLOWS


def monthly_rows(report: dict) -> list[tuple[str, str]]:
    """(label, shown value): the stock figures at the month's last closed day, then
    the month's flows."""
    last = report["last"].figures
    return [(str(f.label), f.show(last)) for f in DISCLOSED] + [(str(f.label), f.show(report["sums"])) for f in MONTHLY_FLOWS]


def _title(report: dict) -> str:
    return f"PeerFund 信息披露月报 Disclosure report {report['month']:%Y-%m}"


def _as_of(report: dict) -> str:
    return f"数据截至 As of {report['last'].business_date.isoformat()}"


def monthly_pdf(report: dict) -> bytes:
    rows = monthly_rows(report)
    return render_document(title=_title(report), subtitle=_as_of(report), lines=[f"{label}:  {value}" for label, value in rows], table=[])


def monthly_xlsx(report: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{report['month']:%Y-%m}"
    sheet.append([_title(report)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_as_of(report)])
    sheet.append([])
    for label, value in monthly_rows(report):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 22
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
