"""Rows to CSV and XLSX (psi_chassis.exports): the figures as given, text never a formula, read back by a reader."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from psi_chassis.exports import Sheet, csv_text, to_csv, to_xlsx

SHEET = Sheet(
    "Customers: aging",
    ("customer", "due_on", "amount", "count"),
    (
        ("ACME 上海", date(2026, 12, 1), Decimal("1234.500000"), 3),
        ('=HYPERLINK("x")', None, Decimal("-0.000001"), 0),
        ("-minus", date(2027, 1, 31), Decimal("1000000.000000"), 12),
    ),
)


def test_csv_cells() -> None:
    assert csv_text(None) == ""
    assert csv_text(Decimal("1E+3")) == "1000"  # never an exponent
    assert csv_text(Decimal("0.000000")) == "0.000000"
    assert csv_text(Decimal("-12.5")) == "-12.5"  # a number stays a number
    assert csv_text(date(2026, 1, 2)) == "2026-01-02"
    assert csv_text(7) == "7"
    for formula in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_text(formula) == "'" + formula
    assert csv_text("plain, with a comma") == "plain, with a comma"


def test_csv_is_utf8_with_a_bom_crlf_and_reads_back() -> None:
    body = to_csv(SHEET)
    assert body.startswith(b"\xef\xbb\xbfcustomer,due_on,amount,count\r\n")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["customer", "due_on", "amount", "count"],
        ["ACME 上海", "2026-12-01", "1234.500000", "3"],
        ['\'=HYPERLINK("x")', "", "-0.000001", "0"],
        ["'-minus", "2027-01-31", "1000000.000000", "12"],
    ]


def test_an_empty_sheet_is_its_header() -> None:
    assert to_csv(Sheet("x", ("a", "b"))).decode("utf-8-sig") == "a,b\r\n"


def test_xlsx_holds_numbers_dates_and_text_never_a_formula() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    other = Sheet("Totals", ("total",), ((Decimal("1234.499999"),),))
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([SHEET, other])))
    assert book.sheetnames == ["Customers_ aging", "Totals"]  # ":" is refused in a sheet's title
    ws = book["Customers_ aging"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["customer", "due_on", "amount", "count"]
    assert rows[1][0] == "ACME 上海" and rows[1][1].date() == date(2026, 12, 1)
    assert Decimal(str(rows[1][2])) == Decimal("1234.5") and rows[1][3] == 3
    assert rows[2][0] == '=HYPERLINK("x")' and ws["A3"].data_type == "s"  # text, not a formula
    assert rows[2][1] is None and Decimal(str(rows[2][2])) == Decimal("-0.000001")
    assert rows[3][0] == "-minus" and Decimal(str(rows[3][2])) == Decimal(1000000)
    assert ws["C2"].number_format == "#,##0.00####" and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert Decimal(str(book["Totals"]["A2"].value)) == Decimal("1234.499999")


def test_xlsx_text_with_control_characters_is_written_not_refused() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    sheet = Sheet("x", ("name",), (("a\x1bb\x03",),))
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx([sheet])))["x"]
    assert ws["A2"].value == "a\ufffdb\ufffd"
    assert to_csv(sheet).decode("utf-8-sig") == "name\r\na\x1bb\x03\r\n"  # CSV keeps them
