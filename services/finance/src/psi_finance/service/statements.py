"""The financial statements as people read them, and the statements kept when a period is closed.

Reads only (no transaction kept), except :func:`keep_at_close`, which writes inside the close's own transaction.
Every figure is in the base currency, rounded to six places when shown. The windows are the trial balance's:

* **by business date** (``date_from``/``date_to``, ``as_of``): what is dated in the window, whichever period it
  posted into (a late entry shows on its own date);
* **by period posted into** (``period``): the books as closed: a closed period's figures never change, and an
  entry moved out of a closed period counts where it posted. The statements kept at close use this basis.

The rules are domain/statements.py (sections, the result not closed in equity) and domain/aging.py (the buckets).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database
from psi_chassis.decimals import q6
from psi_chassis.errors import InvalidRequest
from psi_finance import config
from psi_finance.adapters import accounts, queries
from psi_finance.adapters import statements as store
from psi_finance.domain.aging import AgedDocument, Aging, AgingRow, Bucket, OpenDocument, age, open_in_base
from psi_finance.domain.periods import first_day, parse_period, period_of
from psi_finance.domain.receivables import ReceivableKind
from psi_finance.domain.statements import (
    BalanceSheet,
    Block,
    KeptKind,
    PartyDocument,
    PartyStatement,
    ProfitAndLoss,
    StatementNotFound,
    balance_sheet,
    first_period_of_year,
    in_base,
    party_statement,
    profit_and_loss,
    year_start,
)
from psi_finance.domain.trial_balance import TrialBalance, trial_balance

# --- profit and loss, balance sheet ----------------------------------------------------------------------------


def profit_and_loss_report(
    db: Database, period: str | None, date_from: date | None, date_to: date | None, today: date
) -> dict[str, Any]:
    """The profit and loss posted into ``period``, or dated from ``date_from`` (default: the first of
    ``date_to``'s month) to ``date_to`` (default: today)."""
    with db.unit_of_work() as session:
        if period is not None:
            return profit_and_loss_posted(session, parse_period(period))
        date_from, date_to = _dated_window(date_from, date_to, today)
        found = profit_and_loss(accounts.all_accounts(session), store.sides_dated(session, date_from, date_to))
    window = {"basis": "dated", "period": None, "date_from": date_from, "date_to": date_to}
    return {"currency": config.base_currency(), **window, **_pl_view(found)}


def _dated_window(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """``date_to`` (default today) and ``date_from`` (default the first of ``date_to``'s month), in order."""
    date_to = date_to or today
    date_from = date_from or first_day(period_of(date_to))
    if date_from > date_to:
        raise InvalidRequest(
            f"date_from {date_from.isoformat()} is after date_to {date_to.isoformat()}",
            errors={"date_from": ["must not be after date_to (default today)"]},
        )
    return date_from, date_to


def profit_and_loss_posted(session: Session, period: str) -> dict[str, Any]:
    found = profit_and_loss(accounts.all_accounts(session), store.sides_posted(session, period, period))
    window = {"basis": "posted", "period": period, "date_from": None, "date_to": None}
    return {"currency": config.base_currency(), **window, **_pl_view(found)}


def balance_sheet_report(db: Database, period: str | None, as_of: date | None, today: date) -> dict[str, Any]:
    """The balance sheet of everything posted into the periods up to ``period``, or dated up to ``as_of``
    (default: today); the current-year result runs from the first of that year."""
    with db.unit_of_work() as session:
        if period is not None:
            return balance_sheet_posted(session, parse_period(period))
        as_of = as_of or today
        chart = accounts.all_accounts(session)
        before_year = store.sides_dated_before(session, year_start(as_of))
        found = balance_sheet(chart, store.sides_dated(session, None, as_of), before_year)
    return {"currency": config.base_currency(), "basis": "dated", "period": None, "as_of": as_of, **_bs_view(found)}


def balance_sheet_posted(session: Session, period: str) -> dict[str, Any]:
    chart = accounts.all_accounts(session)
    before_year = store.sides_posted_before(session, first_period_of_year(period))
    found = balance_sheet(chart, store.sides_posted(session, None, period), before_year)
    return {"currency": config.base_currency(), "basis": "posted", "period": period, "as_of": None, **_bs_view(found)}


def _block_view(block: Block) -> dict[str, Any]:
    lines = [{"account": ln.account.code, "name": ln.account.name, "amount": q6(ln.amount)} for ln in block.lines]
    return {"lines": lines, "total": q6(block.total)}


def _pl_view(pl: ProfitAndLoss) -> dict[str, Any]:
    return {
        "revenue": _block_view(pl.revenue),
        "sales_returns": _block_view(pl.sales_returns),
        "net_revenue": q6(pl.net_revenue),
        "cost_of_goods_sold": _block_view(pl.cost_of_goods_sold),
        "gross_profit": q6(pl.gross_profit),
        "operating_expenses": _block_view(pl.operating_expenses),
        "operating_result": q6(pl.operating_result),
        "financial_items": _block_view(pl.financial_items),
        "net_profit": q6(pl.net_profit),
    }


def _bs_view(bs: BalanceSheet) -> dict[str, Any]:
    equity = {
        **_block_view(bs.equity),
        "earlier_years_result": q6(bs.earlier_years_result),
        "current_year_result": q6(bs.current_year_result),
        "total": q6(bs.equity_total),
    }
    return {
        "assets": _block_view(bs.assets),
        "liabilities": _block_view(bs.liabilities),
        "equity": equity,
        "liabilities_and_equity": q6(bs.liabilities_and_equity),
        "balanced": bs.balanced,
    }


# --- the trial balance as kept ---------------------------------------------------------------------------------


def trial_balance_posted(session: Session, period: str) -> dict[str, Any]:
    """The trial balance of ``period`` as GET /trial-balance?period= shows it (service/reports.py)."""
    before = queries.sides_by_account(session, queries.before_period(period))
    opening = {code: debit - credit for code, (debit, credit) in before.items()}
    tb = trial_balance(accounts.all_accounts(session), opening, store.sides_posted(session, period, period))
    return {"currency": config.base_currency(), "period": period, "as_of": None, **_tb_view(tb)}


def _tb_view(tb: TrialBalance) -> dict[str, Any]:
    rows = [
        {
            "account": r.account.code,
            "name": r.account.name,
            "type": r.account.type.value,
            "opening": q6(r.opening),
            "debit": q6(r.debit),
            "credit": q6(r.credit),
            "closing": q6(r.closing),
        }
        for r in tb.rows
    ]
    totals = {"opening": q6(tb.opening), "debit": q6(tb.debit), "credit": q6(tb.credit), "closing": q6(tb.closing)}
    return {"rows": rows, "totals": totals, "balanced": tb.balanced}


# --- the subledgers: aging and a party's statement --------------------------------------------------------------

#: The aging's columns, in bucket order, as the API names them.
BUCKET_FIELDS = {
    Bucket.CURRENT: "current",
    Bucket.DAYS_1_30: "days_1_30",
    Bucket.DAYS_31_60: "days_31_60",
    Bucket.DAYS_61_90: "days_61_90",
    Bucket.OVER_90: "over_90",
}


@dataclass(frozen=True)
class Subledger:
    """How a subledger's parties and documents are named in the API, and which side a raise posts to."""

    party: str
    credits: str
    """The column of the documents that lower what is owed (not aged)."""
    order_key: str
    raise_is_debit: bool
    """A customer's invoice is a debit of their account; a supplier's bill a credit."""


RECEIVABLES = Subledger("customer", "credit_notes", "order_number", raise_is_debit=True)
PAYABLES = Subledger("supplier", "debit_notes", "po_number", raise_is_debit=False)


def ar_aging_report(db: Database, as_of: date | None, today: date) -> dict[str, Any]:
    """Each customer's open invoices by days past due as of ``as_of`` (default today), credit notes apart."""
    as_of = as_of or today
    with db.unit_of_work() as session:
        documents = [_open_receivable(r) for r in store.open_receivables(session, as_of)]
    return {"currency": config.base_currency(), "as_of": as_of, **_aging_view(age(documents, as_of), RECEIVABLES)}


def ap_aging_report(db: Database, as_of: date | None, today: date) -> dict[str, Any]:
    """Each supplier's open bills by days past due as of ``as_of`` (default today)."""
    as_of = as_of or today
    with db.unit_of_work() as session:
        documents = [_open_payable(r) for r in store.open_payables(session, as_of)]
    return {"currency": config.base_currency(), "as_of": as_of, **_aging_view(age(documents, as_of), PAYABLES)}


def _open_receivable(row: Any) -> OpenDocument:
    return OpenDocument(
        party_id=row.customer_id,
        party_code=row.customer_code,
        number=row.number,
        kind=row.kind,
        is_credit=row.kind == ReceivableKind.CREDIT_NOTE.value,
        issued_on=row.issued_on,
        due_on=row.due_on,
        open_amount=open_in_base(row.open_amount, row.total_amount, row.base_total_amount, row.rate),
    )


def _open_payable(row: Any) -> OpenDocument:
    return OpenDocument(
        party_id=row.supplier_id,
        party_code=row.supplier_code,
        number=row.number,
        kind=row.kind,
        is_credit=False,  # the payables subledger holds bills only
        issued_on=row.issued_on,
        due_on=row.due_on,
        open_amount=open_in_base(row.open_amount, row.total_amount, row.base_total_amount, row.rate),
    )


def _aging_columns(row: AgingRow, ledger: Subledger) -> dict[str, Any]:
    columns = {name: q6(row.amount(bucket)) for bucket, name in BUCKET_FIELDS.items()}
    return {**columns, ledger.credits: q6(row.credits), "total": q6(row.total)}


def _aged_view(item: AgedDocument) -> dict[str, Any]:
    return {
        "number": item.document.number,
        "kind": item.document.kind,
        "issued_on": item.document.issued_on,
        "due_on": item.document.due_on,
        "days_past_due": item.days_past_due,
        "bucket": None if item.bucket is None else item.bucket.value,
        "open_amount": q6(item.document.open_amount),
    }


def _aging_view(aging: Aging, ledger: Subledger) -> dict[str, Any]:
    parties = [
        {
            f"{ledger.party}_id": row.party_id,
            f"{ledger.party}_code": row.party_code,
            **_aging_columns(row, ledger),
            "documents": [_aged_view(item) for item in row.documents],
        }
        for row in aging.rows
    ]
    return {f"{ledger.party}s": parties, "totals": _aging_columns(aging.totals, ledger)}


def customer_statement(
    db: Database, customer_id: str, date_from: date | None, date_to: date | None, today: date
) -> dict[str, Any]:
    """A customer's invoices (debits), credit notes and payments (credits) from ``date_from`` (default: the first
    of ``date_to``'s month) to ``date_to`` (default today), with the balance before, after each and at the end.
    A payment counts at its base amount (its amount at its rate), allocated or not, as it lowers the customer's
    balance; on one day, the invoices and credit notes come before the payments."""
    date_from, date_to = _dated_window(date_from, date_to, today)
    with db.unit_of_work() as session:
        found = store.customer_documents(session, customer_id, date_from, date_to)
        payments = store.customer_payments_until(session, customer_id, date_to)
    documents = [_party_document(r, r.kind == ReceivableKind.CREDIT_NOTE.value, r.order_number) for r in found["rows"]]
    paid_before = sum((in_base(p.amount, p.rate) for p in payments if p.received_on < date_from), Decimal(0))
    documents += [_payment(p) for p in payments if p.received_on >= date_from]
    statement = party_statement(found["opening"] - paid_before, documents)
    return _statement_view(RECEIVABLES, customer_id, found, (date_from, date_to), statement)


def _payment(row: Any) -> PartyDocument:
    return PartyDocument(
        issued_on=row.received_on,
        number=row.number,
        kind="payment",
        document_ref=row.reference,
        order_ref=None,
        due_on=None,
        increase=Decimal(0),
        decrease=in_base(row.amount, row.rate),
    )


def supplier_statement(
    db: Database, supplier_id: str, date_from: date | None, date_to: date | None, today: date
) -> dict[str, Any]:
    """A supplier's bills (credits, as the books post them) dated from ``date_from`` (default: the first of
    ``date_to``'s month) to ``date_to`` (default today), with the balance before, after each and at the end."""
    date_from, date_to = _dated_window(date_from, date_to, today)
    with db.unit_of_work() as session:
        found = store.supplier_documents(session, supplier_id, date_from, date_to)
    documents = [_party_document(r, False, r.po_number) for r in found["rows"]]
    return _statement_view(
        PAYABLES, supplier_id, found, (date_from, date_to), party_statement(found["opening"], documents)
    )


def _party_document(row: Any, lowers: bool, order_ref: str | None) -> PartyDocument:
    amount, zero = row.base_total_amount, Decimal(0)
    return PartyDocument(
        issued_on=row.issued_on,
        number=row.number,
        kind=row.kind,
        document_ref=row.document_ref,
        order_ref=order_ref,
        due_on=row.due_on,
        increase=zero if lowers else amount,
        decrease=amount if lowers else zero,
    )


def _sides(ledger: Subledger, increase: Decimal, decrease: Decimal) -> dict[str, Decimal]:
    debit, credit = (increase, decrease) if ledger.raise_is_debit else (decrease, increase)
    return {"debit": q6(debit), "credit": q6(credit)}


def _statement_view(
    ledger: Subledger, party_id: str, found: dict[str, Any], window: tuple[date, date], statement: PartyStatement
) -> dict[str, Any]:
    lines = [
        {
            "issued_on": d.issued_on,
            "number": d.number,
            "kind": d.kind,
            "document_ref": d.document_ref,
            ledger.order_key: d.order_ref,
            "due_on": d.due_on,
            **_sides(ledger, d.increase, d.decrease),
            "balance": q6(balance),
        }
        for d, balance in zip(statement.documents, statement.balances, strict=True)
    ]
    return {
        "currency": config.base_currency(),
        f"{ledger.party}_id": party_id,
        f"{ledger.party}_code": found["party_code"],
        "date_from": window[0],
        "date_to": window[1],
        "opening": q6(statement.opening),
        **_sides(ledger, statement.increase, statement.decrease),
        "closing": q6(statement.closing),
        "lines": lines,
    }


# --- kept at period close --------------------------------------------------------------------------------------

_AT_CLOSE = (
    (KeptKind.TRIAL_BALANCE, trial_balance_posted),
    (KeptKind.PROFIT_AND_LOSS, profit_and_loss_posted),
    (KeptKind.BALANCE_SHEET, balance_sheet_posted),
)


def keep_at_close(session: Session, period: str, by: str, at: datetime) -> int:
    """Keep the closed period's trial balance, profit and loss and balance sheet (posted basis, as the API shows
    them) in the close's own transaction; returns their version, one more than the period's last close."""
    version = store.next_version(session, period)
    for kind, build in _AT_CLOSE:
        store.keep(session, period, kind.value, version, json_ready(build(session, period)), by, at)
    return version


def json_ready(value: Any) -> Any:
    """``value`` as JSON holds it, the way the API writes it: decimals as strings, dates in ISO form."""
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def kept_statement(db: Database, statement_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        found = store.kept(session, statement_id)
    if found is None:
        raise StatementNotFound(f"no statement {statement_id} is kept")
    return found


def list_kept(db: Database, filters: dict[str, Any], page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    with db.unit_of_work() as session:
        return store.list_kept(session, filters, page, page_size)
