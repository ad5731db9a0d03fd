"""The statements as files: each statement laid out as rows (the same figures as its JSON), written as CSV or
XLSX by the chassis (psi_chassis.exports), answered as a download.

* **Profit and loss, balance sheet**: one row per account line, a ``total`` row per section and a row per result
  (net revenue, gross profit, ...; in the balance sheet the two results not closed and liabilities and equity):
  ``section, account, name, amount`` (``account`` empty on a total or a result).
* **AR and AP aging**: one row per customer (supplier) and a last ``total`` row; the XLSX holds each party's
  documents on a second sheet.
* **Trial balance** (a kept one): one row per account (opening, debit, credit, closing) and a ``total`` row.
* **Customer and supplier statements**: an ``opening`` row, one row per document with the balance after it, a
  ``closing`` row.

The CSV is the first sheet; the XLSX holds every sheet and an "About" sheet (the statement, the currency, its
window), which a CSV leaves to the file's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
_ABOUT_KEYS = (
    "currency",
    "basis",
    "period",
    "date_from",
    "date_to",
    "as_of",
    "customer_id",
    "customer_code",
    "supplier_id",
    "supplier_code",
)
_FILENAME_KEYS = ("customer_id", "supplier_id", "period", "date_from", "date_to", "as_of")
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


_TRIAL_BALANCE_COLUMNS = ("opening", "debit", "credit", "closing")


def trial_balance_sheets(found: dict[str, Any]) -> list[Sheet]:
    rows: Rows = [(r["account"], r["name"], r["type"], *(r[k] for k in _TRIAL_BALANCE_COLUMNS)) for r in found["rows"]]
    totals = ("total", None, None, *(found["totals"][k] for k in _TRIAL_BALANCE_COLUMNS))
    return [Sheet("Trial balance", ("account", "name", "type", *_TRIAL_BALANCE_COLUMNS), [*rows, totals])]


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


_BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")
_DOCUMENT_COLUMNS = ("number", "kind", "issued_on", "due_on", "days_past_due", "bucket", "open_amount")


def _aging_sheets(found: dict[str, Any], title: str, party: str, credits: str) -> list[Sheet]:
    keys = (f"{party}_id", f"{party}_code")
    columns = (*_BUCKETS, credits, "total")
    rows = [(p[keys[0]], p[keys[1]], *(p[k] for k in columns)) for p in found[f"{party}s"]]
    totals = ("total", None, *(found["totals"][k] for k in columns))
    documents = [
        (p[keys[0]], p[keys[1]], *(d[k] for k in _DOCUMENT_COLUMNS)) for p in found[f"{party}s"] for d in p["documents"]
    ]
    return [
        Sheet(title, (*keys, *columns), [*rows, totals]),
        Sheet("Documents", (*keys, *_DOCUMENT_COLUMNS), documents),
    ]


def ar_aging_sheets(found: dict[str, Any]) -> list[Sheet]:
    return _aging_sheets(found, "AR aging", "customer", "credit_notes")


def ap_aging_sheets(found: dict[str, Any]) -> list[Sheet]:
    return _aging_sheets(found, "AP aging", "supplier", "debit_notes")


def _statement_sheets(found: dict[str, Any], title: str, order_key: str) -> list[Sheet]:
    columns = ("issued_on", "number", "kind", "document_ref", order_key, "due_on")
    blank = (None,) * 3
    lines = [(*(ln[k] for k in columns), ln["debit"], ln["credit"], ln["balance"]) for ln in found["lines"]]
    rows = [
        (found["date_from"], None, "opening", *blank, None, None, found["opening"]),
        *lines,
        (found["date_to"], None, "closing", *blank, found["debit"], found["credit"], found["closing"]),
    ]
    return [Sheet(title, (*columns, "debit", "credit", "balance"), rows)]


def customer_statement_sheets(found: dict[str, Any]) -> list[Sheet]:
    return _statement_sheets(found, "Customer statement", "order_number")


def supplier_statement_sheets(found: dict[str, Any]) -> list[Sheet]:
    return _statement_sheets(found, "Supplier statement", "po_number")
