"""Rows to a file people open in a spreadsheet: CSV and XLSX, the one way every service exports a table.

A :class:`Sheet` is a title, a header and rows of cells; a cell is text, a ``Decimal``, an int, a date or None.

* **CSV** (``text/csv``): UTF-8 with a byte-order mark, so Excel reads Chinese names right; comma separated, CRLF
  line ends (RFC 4180); decimals written as they are (``1000.000000``, never a float or an exponent), dates ISO,
  None empty.
* **XLSX**: one worksheet per sheet, the header bold and frozen; decimals are numbers (Excel keeps 15 significant
  digits, enough for any amount below 10^9 to six places) shown with two to six decimals, dates are dates.
  It needs ``openpyxl``, which a service that exports XLSX declares among its dependencies (the chassis does not
  make every service install it).
* **XLSX text holds no control character** (XML 1.0 cannot): one is written as U+FFFD; the CSV keeps it.
* **Text is never a formula.** A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return)
  is written with a leading apostrophe in CSV, and as text in XLSX, so a customer's name cannot run in a
  spreadsheet (CSV injection). Numbers are not text: a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The formats a route may be asked for with ``?format=``.
FORMATS = ("json", "csv", "xlsx")

Cell = str | Decimal | int | date | None
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DECIMAL_FORMAT = "#,##0.00####"
_DATE_FORMAT = "yyyy-mm-dd"
#: Excel's limit on a worksheet's title, and the characters it refuses in one.
_TITLE_LENGTH = 31
_TITLE_REFUSED = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]] = field(default_factory=tuple)


def csv_text(value: Cell) -> str:
    """A cell as CSV text (a formula-like text defused with a leading apostrophe)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return str(value)


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as CSV bytes (its title is not written: it names the file, not a row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in sheet.header])
    writer.writerows([csv_text(c) for c in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one XLSX workbook, in order."""
    from openpyxl import Workbook  # see the module's docstring: the exporting service declares openpyxl
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title.translate(_TITLE_REFUSED)[:_TITLE_LENGTH] or "Sheet")
        ws.append(list(sheet.header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.data_type = "s"
        ws.freeze_panes = "A2"
        for values in sheet.rows:
            ws.append([_xlsx_value(v) for v in values])
            for cell in ws[ws.max_row]:
                _style(cell)
        _fit_columns(ws, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Cell) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)  # XML 1.0 holds no control characters
    return value


def _style(cell: Any) -> None:
    if isinstance(cell.value, Decimal):
        cell.number_format = _DECIMAL_FORMAT
    elif isinstance(cell.value, date):
        cell.number_format = _DATE_FORMAT
    elif isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl takes a text starting with = for a formula: keep it text


def _fit_columns(ws: Any, sheet: Sheet) -> None:
    from openpyxl.utils import get_column_letter

    for index, title in enumerate(sheet.header, start=1):
        widest = max([len(str(title)), *(len(csv_text(row[index - 1])) for row in sheet.rows if len(row) >= index)])
        ws.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
