"""The statements as files: each statement laid out as rows (the same figures as its JSON), written as CSV or
XLSX by the chassis (psi_chassis.exports), answered as a download.

* **Profit and loss, balance sheet**: one row per account line, a ``total`` row per section and a row per result
  (net revenue, gross profit, ...; in the balance sheet the two results not closed and liabilities and equity):
  ``section, account, name, amount`` (``account`` empty on a total or a result).
* **AR aging**: one row per customer and a last ``total`` row; the XLSX holds each customer's documents on a
  second sheet.
* **Customer statement**: an ``opening`` row, one row per document with the balance after it, a ``closing`` row.

The CSV is the first sheet; the XLSX holds every sheet and an "About" sheet (the statement, the currency, its
window), which a CSV leaves to the file's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response

from psi_chassis.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Sheet, to_csv, to_xlsx

Rows = list[tuple[Any, ...]]
Layout = Callable[[dict[str, Any]], list[Sheet]]

#: The OpenAPI description of the files beside the JSON (``@blp.doc(responses=FILE_RESPONSES)``).
FILE_RESPONSES = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}
_ABOUT_KEYS = ("currency", "basis", "period", "date_from", "date_to", "as_of", "customer_id", "customer_code")
_FILENAME_KEYS = ("customer_id", "period", "date_from", "date_to", "as_of")
#: What a file name keeps of a value (a customer id comes from the path: no quote or slash reaches the header).
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def answer(found: dict[str, Any], fmt: str, name: str, layout: Layout) -> dict[str, Any] | Response:
    """``found`` as it is for JSON (the route's schema writes it), else as a CSV or XLSX download."""
    if fmt == "json":
        return found
    sheets = layout(found)
    parts = [name, *(str(found[k]) for k in _FILENAME_KEYS if found.get(k) is not None)]
    filename = "_".join(_UNSAFE.sub("-", part) for part in parts)
    if fmt == "csv":
        body, media_type, suffix = to_csv(sheets[0]), CSV_MEDIA_TYPE, "csv"
    else:
        about = Sheet(
            "About", ("field", "value"), [("statement", name), *((k, found[k]) for k in _ABOUT_KEYS if k in found)]
        )
        body, media_type, suffix = to_xlsx([*sheets, about]), XLSX_MEDIA_TYPE, "xlsx"
    response = Response(body, content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{suffix}"'
    return response


def _block(section: str, block: dict[str, Any], total_name: str) -> Rows:
    rows: Rows = [(section, ln["account"], ln["name"], ln["amount"]) for ln in block["lines"]]
    return [*rows, (section, None, total_name, block["total"])]


_STATEMENT_HEADER = ("section", "account", "name", "amount")


def profit_and_loss_sheets(found: dict[str, Any]) -> list[Sheet]:
    rows = [
        *_block("revenue", found["revenue"], "Total revenue"),
        *_block("sales_returns", found["sales_returns"], "Total sales returns"),
        ("net_revenue", None, "Net revenue", found["net_revenue"]),
        *_block("cost_of_goods_sold", found["cost_of_goods_sold"], "Total cost of goods sold"),
        ("gross_profit", None, "Gross profit", found["gross_profit"]),
        *_block("operating_expenses", found["operating_expenses"], "Total operating expenses"),
        ("operating_result", None, "Operating result", found["operating_result"]),
        *_block("financial_items", found["financial_items"], "Total FX and financial items"),
        ("net_profit", None, "Net profit", found["net_profit"]),
    ]
    return [Sheet("Profit and loss", _STATEMENT_HEADER, rows)]


def balance_sheet_sheets(found: dict[str, Any]) -> list[Sheet]:
    equity = found["equity"]
    equity_rows: Rows = [("equity", ln["account"], ln["name"], ln["amount"]) for ln in equity["lines"]]
    rows = [
        *_block("assets", found["assets"], "Total assets"),
        *_block("liabilities", found["liabilities"], "Total liabilities"),
        *equity_rows,
        ("equity", None, "Earlier years' result not closed", equity["earlier_years_result"]),
        ("equity", None, "Current-year result", equity["current_year_result"]),
        ("equity", None, "Total equity", equity["total"]),
        ("liabilities_and_equity", None, "Total liabilities and equity", found["liabilities_and_equity"]),
    ]
    return [Sheet("Balance sheet", _STATEMENT_HEADER, rows)]


AGING_COLUMNS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "credit_notes", "total")
_DOCUMENT_COLUMNS = ("number", "kind", "issued_on", "due_on", "days_past_due", "bucket", "open_amount")


def ar_aging_sheets(found: dict[str, Any]) -> list[Sheet]:
    customers = [(c["customer_id"], c["customer_code"], *(c[k] for k in AGING_COLUMNS)) for c in found["customers"]]
    totals = ("total", None, *(found["totals"][k] for k in AGING_COLUMNS))
    documents = [
        (c["customer_id"], c["customer_code"], *(d[k] for k in _DOCUMENT_COLUMNS))
        for c in found["customers"]
        for d in c["documents"]
    ]
    return [
        Sheet("AR aging", ("customer_id", "customer_code", *AGING_COLUMNS), [*customers, totals]),
        Sheet("Documents", ("customer_id", "customer_code", *_DOCUMENT_COLUMNS), documents),
    ]


_LINE_COLUMNS: Sequence[str] = ("issued_on", "number", "kind", "document_ref", "order_number", "due_on")


def customer_statement_sheets(found: dict[str, Any]) -> list[Sheet]:
    blank = (None,) * 3
    lines = [(*(ln[k] for k in _LINE_COLUMNS), ln["debit"], ln["credit"], ln["balance"]) for ln in found["lines"]]
    rows = [
        (found["date_from"], None, "opening", *blank, None, None, found["opening"]),
        *lines,
        (found["date_to"], None, "closing", *blank, found["debit"], found["credit"], found["closing"]),
    ]
    return [Sheet("Customer statement", (*_LINE_COLUMNS, "debit", "credit", "balance"), rows)]
