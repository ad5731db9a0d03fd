"""Every statement the financial statements need: the journal's sums over a window of dates or of periods, the
receivables to age and to list on a customer's statement, and the statements kept at period close."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, insert, select, true
from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO
from psi_chassis.paging import fetch_page
from psi_finance.adapters import queries
from psi_finance.adapters.exchange_tables import customer_payments
from psi_finance.adapters.payables_tables import payable_orders, payables
from psi_finance.adapters.receivable_tables import receivables
from psi_finance.adapters.statement_tables import statements
from psi_finance.adapters.tables import journal_entries
from psi_finance.domain.receivables import ReceivableKind

Sides = dict[str, tuple[Decimal, Decimal]]
R, S, P, PO, CP = receivables.c, statements.c, payables.c, payable_orders.c, customer_payments.c


# --- the journal's sums ----------------------------------------------------------------------------------------


def sides_dated(session: Session, date_from: date | None, date_to: date | None) -> Sides:
    """(debits, credits) per account of the entries dated from ``date_from`` to ``date_to`` (inclusive; None:
    unbounded), whichever period they posted into."""
    return queries.sides_by_account(session, queries.dated(date_from, date_to))


def sides_dated_before(session: Session, day: date) -> Sides:
    """(debits, credits) per account of the entries dated before ``day``."""
    return queries.sides_by_account(session, queries.dated_before(day))


def sides_posted_before(session: Session, period: str) -> Sides:
    """(debits, credits) per account of the entries posted into the periods before ``period``."""
    return queries.sides_by_account(session, queries.before_period(period))


def sides_posted(session: Session, period_from: str | None, period_to: str) -> Sides:
    """(debits, credits) per account of the entries posted into the periods from ``period_from`` (None: the
    first) to ``period_to``, both included, whatever their dates."""
    period = journal_entries.c.period
    return queries.sides_by_account(
        session, and_(period >= period_from if period_from is not None else true(), period <= period_to)
    )


# --- receivables -----------------------------------------------------------------------------------------------


def open_receivables(session: Session, as_of: date) -> list[Any]:
    """Invoices and credit notes issued by ``as_of`` with an amount open, by customer and id."""
    query = select(receivables).where(R.issued_on <= as_of, R.open_amount > 0).order_by(R.customer_id, R.id)
    return list(session.execute(query))


def _signed_base_total() -> Any:
    """A document's base-currency total as it moves the customer's balance: an invoice up, a credit note down."""
    return case((R.kind == ReceivableKind.CREDIT_NOTE.value, -R.base_total_amount), else_=R.base_total_amount)


def customer_documents(session: Session, customer_id: str, date_from: date, date_to: date) -> dict[str, Any]:
    """A customer's documents issued from ``date_from`` to ``date_to`` (by date and id), the balance of those
    before ``date_from`` and the customer's code (``party_code``, None for a customer without documents)."""
    mine = R.customer_id == customer_id
    before = select(func.coalesce(func.sum(_signed_base_total()), ZERO)).where(mine, R.issued_on < date_from)
    rows = session.execute(
        select(receivables).where(mine, R.issued_on >= date_from, R.issued_on <= date_to).order_by(R.issued_on, R.id)
    ).all()
    code = session.execute(
        select(R.customer_code).where(mine, R.customer_code.is_not(None)).order_by(R.id.desc()).limit(1)
    ).scalar()
    return {"opening": Decimal(session.execute(before).scalar_one()), "rows": rows, "party_code": code}


def customer_payments_until(session: Session, customer_id: str, date_to: date) -> list[Any]:
    """The customer's payments received by ``date_to``, by date and id."""
    query = (
        select(CP.number, CP.received_on, CP.reference, CP.amount, CP.rate)
        .where(CP.customer_id == customer_id, CP.received_on <= date_to)
        .order_by(CP.received_on, CP.id)
    )
    return list(session.execute(query))


# --- payables ----------------------------------------------------------------------------------------------------


def _supplier_code() -> Any:
    """The supplier's code as purchasing's orders named it (the payables hold the supplier's id only)."""
    return (
        select(PO.supplier_code)
        .where(PO.supplier_id == P.supplier_id, PO.supplier_code.is_not(None))
        .order_by(PO.approved_at.desc())
        .limit(1)
        .scalar_subquery()
        .label("supplier_code")
    )


def open_payables(session: Session, as_of: date) -> list[Any]:
    """Bills issued by ``as_of`` with an amount open, by supplier and id, with the supplier's code."""
    query = (
        select(payables, _supplier_code()).where(P.issued_on <= as_of, P.open_amount > 0).order_by(P.supplier_id, P.id)
    )
    return list(session.execute(query))


def supplier_documents(session: Session, supplier_id: str, date_from: date, date_to: date) -> dict[str, Any]:
    """A supplier's bills issued from ``date_from`` to ``date_to`` (by date and id), the sum of those before
    ``date_from`` (base totals) and the supplier's code (``party_code``, None when no order names one)."""
    mine = P.supplier_id == supplier_id
    before = select(func.coalesce(func.sum(P.base_total_amount), ZERO)).where(mine, P.issued_on < date_from)
    rows = session.execute(
        select(payables).where(mine, P.issued_on >= date_from, P.issued_on <= date_to).order_by(P.issued_on, P.id)
    ).all()
    code = session.execute(
        select(PO.supplier_code)
        .where(PO.supplier_id == supplier_id, PO.supplier_code.is_not(None))
        .order_by(PO.approved_at.desc())
        .limit(1)
    ).scalar()
    return {"opening": Decimal(session.execute(before).scalar_one()), "rows": rows, "party_code": code}


# --- statements kept at period close ---------------------------------------------------------------------------


def next_version(session: Session, period: str) -> int:
    """One more than the period's latest kept version (1 at its first close). The caller holds the period's row
    FOR UPDATE (closing it), so two closes cannot take the same number."""
    latest = session.execute(select(func.max(S.version)).where(S.period == period)).scalar()
    return 1 if latest is None else int(latest) + 1


def keep(session: Session, period: str, kind: str, version: int, body: dict[str, Any], by: str, at: datetime) -> int:
    values = {"period": period, "kind": kind, "version": version, "body": body, "kept_by": by, "kept_at": at}
    return int(session.execute(insert(statements).values(**values).returning(S.id)).scalar_one())


def kept_view(row: Any, *, with_body: bool) -> dict[str, Any]:
    view = {name: getattr(row, name) for name in ("id", "period", "kind", "version", "kept_by", "kept_at")}
    return {**view, "body": row.body} if with_body else view


def kept(session: Session, statement_id: int) -> dict[str, Any] | None:
    row = session.execute(select(statements).where(S.id == statement_id)).first()
    return None if row is None else kept_view(row, with_body=True)


def list_kept(session: Session, filters: dict[str, Any], page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """The kept statements without their bodies, newest period first, then version (newest first) and kind."""
    query = select(S.id, S.period, S.kind, S.version, S.kept_by, S.kept_at)
    for name in ("period", "kind"):
        if filters.get(name) is not None:
            query = query.where(S[name] == filters[name])
    rows, total = fetch_page(session, query, (S.period.desc(), S.version.desc(), S.kind), page, page_size)
    return [kept_view(r, with_body=False) for r in rows], total
