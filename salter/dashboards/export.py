"""Tables out as CSV or XLSX (openpyxl): the dashboards' figures and the management
lists. A text cell that a spreadsheet would read as a formula stays text."""

import csv
import datetime
import io

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NoData(Exception):
    """A period or filter with nothing in it: refused, with a message, not an empty file."""


def _safe(value):
    if isinstance(value, Promise):  # a lazily translated label
        value = str(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    return value


def _csv(headers, rows) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    # With a BOM, Excel opens UTF-8 (č, ć, ő) correctly.
    return ("\ufeff" + stream.getvalue()).encode()


def _xlsx(headers, rows, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = (title or "Salter")[:31]
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    return _safe(value)


def table_response(headers, rows, *, fmt: str, filename: str, title: str = "") -> HttpResponse:
    """The table as a download; `rows` must hold at least one row (else NoData)."""
    rows = list(rows)
    if not rows:
        raise NoData(_("There is no data for this period or filter; nothing to export."))
    if fmt == "xlsx":
        body, content_type = _xlsx(headers, rows, title), XLSX_TYPE
    else:
        fmt, body, content_type = "csv", _csv(headers, rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
