"""A table as a downloadable file — CSV, Excel (openpyxl) or PDF (reportlab, CJK) —
so every report offers the same three formats from the same rows."""
import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from peerfund.core.pdf import render_document

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def table_csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()  # the BOM lets Excel read the Chinese


def table_xlsx(title: str, subtitle: str, header: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31].replace("/", "-")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([subtitle])
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column, width in zip("ABCDEFGH", (44, 22, 18, 18, 18, 18, 18, 18), strict=False):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_pdf(title: str, subtitle: str, header: list[str], rows: list[list]) -> bytes:
    return render_document(title=title, subtitle=subtitle, lines=[], table=[tuple(header)] + [tuple(str(cell) for cell in row) for row in rows])


def table_response(fmt: str, filename: str, title: str, subtitle: str, header: list[str], rows: list[list]) -> HttpResponse:
    """The table in `fmt` (csv, xlsx, pdf) as a download named `filename`.<fmt>."""
    if fmt == "csv":
        content = table_csv(header, rows)
    elif fmt == "xlsx":
        content = table_xlsx(title, subtitle, header, rows)
    else:
        content = table_pdf(title, subtitle, header, rows)
    disposition = "inline" if fmt == "pdf" else "attachment"
    return HttpResponse(content, content_type=FORMATS[fmt], headers={"Content-Disposition": f'{disposition}; filename="{filename}.{fmt}"'})
