"""The read side of the books: entries with their lines, the journal list, the sums of the trial balance and an
account's ledger. Nothing here writes; every figure is summed from the journal's lines as posted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, true
from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO
from psi_chassis.paging import fetch_page, page_window
from psi_finance.adapters.tables import journal_entries, journal_lines

E, L = journal_entries.c, journal_lines.c
_REVERSAL = journal_entries.alias("reversal")


def _headers() -> Select[Any]:
    """Entries with the id of the entry that reverses each one and their total (debits = credits)."""
    total = select(func.coalesce(func.sum(L.debit), ZERO)).where(L.entry_id == E.id).scalar_subquery()
    return select(journal_entries, _REVERSAL.c.id.label("reversed_by"), total.label("amount")).select_from(
        journal_entries.outerjoin(_REVERSAL, _REVERSAL.c.reverses == E.id)
    )


def header_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "entry_date": row.entry_date,
        "period": row.period,
        "moved_from_period": row.moved_from_period,
        "description": row.description,
        "source_kind": row.source_kind,
        "source_ref": row.source_ref,
        "document_ref": row.document_ref,
        "reverses": row.reverses,
        "reversed_by": row.reversed_by,
        "amount": row.amount,
        "posted_by": row.posted_by,
        "posted_at": row.posted_at,
    }


def line_view(row: Any) -> dict[str, Any]:
    return {
        "line_no": row.line_no,
        "account": row.account,
        "debit": row.debit,
        "credit": row.credit,
        "memo": row.memo,
        "party": row.party,
        "currency": row.currency,
        "amount_currency": row.amount_currency,
    }


def entry_detail(session: Session, entry_id: int) -> dict[str, Any] | None:
    header = session.execute(_headers().where(E.id == entry_id)).first()
    if header is None:
        return None
    lines = session.execute(select(journal_lines).where(L.entry_id == entry_id).order_by(L.line_no)).all()
    return {**header_view(header), "lines": [line_view(r) for r in lines]}


def list_entries(
    session: Session, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Entries newest first; by period posted into, an account on any line, source kind and business date."""
    query = _headers()
    for name in ("period", "source_kind"):
        if filters.get(name) is not None:
            query = query.where(E[name] == filters[name])
    if filters.get("account") is not None:
        query = query.where(exists().where(L.entry_id == E.id, L.account == filters["account"]))
    if filters.get("date_from") is not None:
        query = query.where(E.entry_date >= filters["date_from"])
    if filters.get("date_to") is not None:
        query = query.where(E.entry_date <= filters["date_to"])
    rows, total = fetch_page(session, query, E.id.desc(), page, page_size)
    return [header_view(r) for r in rows], total


# --- the trial balance -----------------------------------------------------------------------------------------


def sides_by_account(session: Session, condition: ColumnElement[bool]) -> dict[str, tuple[Decimal, Decimal]]:
    """(debits, credits) per account over the lines of the entries that meet ``condition``."""
    query = (
        select(L.account, func.sum(L.debit), func.sum(L.credit))
        .select_from(journal_lines.join(journal_entries, E.id == L.entry_id))
        .where(condition)
        .group_by(L.account)
    )
    return {account: (debit, credit) for account, debit, credit in session.execute(query)}


def in_period(period: str) -> ColumnElement[bool]:
    return E.period == period


def before_period(period: str) -> ColumnElement[bool]:
    return E.period < period


def dated_before(day: date) -> ColumnElement[bool]:
    return E.entry_date < day


def dated(date_from: date | None, date_to: date | None) -> ColumnElement[bool]:
    """Entries dated from ``date_from`` to ``date_to`` (inclusive; None: unbounded)."""
    parts = [E.entry_date >= date_from] if date_from is not None else []
    parts += [E.entry_date <= date_to] if date_to is not None else []
    return and_(true(), *parts)


# --- an account's ledger ---------------------------------------------------------------------------------------


def _ledger_lines(account: str, party: str | None, condition: ColumnElement[bool]) -> Select[Any]:
    query = (
        select(
            L.entry_id,
            E.number,
            E.entry_date,
            E.period,
            E.description,
            L.line_no,
            L.debit,
            L.credit,
            L.memo,
            L.party,
            L.currency,
            L.amount_currency,
        )
        .select_from(journal_lines.join(journal_entries, E.id == L.entry_id))
        .where(L.account == account, condition)
    )
    return query.where(L.party == party) if party is not None else query


_LEDGER_ORDER = (E.entry_date, L.entry_id, L.line_no)


def _sides(session: Session, query: Select[Any]) -> tuple[Decimal, Decimal]:
    sub = query.subquery()
    debit, credit = session.execute(select(func.sum(sub.c.debit), func.sum(sub.c.credit))).one()
    return debit or ZERO, credit or ZERO


def ledger_page(
    session: Session, account: str, party: str | None, window: tuple[date | None, date | None], page: int, size: int
) -> dict[str, Any]:
    """The account's lines in the window (business-date order) for one page, with the sums a running balance
    needs: ``opening`` (before the window), ``before_page`` (the window's lines on earlier pages), the window's
    debits and credits, and how many lines it holds."""
    date_from, date_to = window
    opening = ZERO
    if date_from is not None:
        debit, credit = _sides(session, _ledger_lines(account, party, dated_before(date_from)))
        opening = debit - credit
    lines = _ledger_lines(account, party, dated(date_from, date_to))
    debit, credit = _sides(session, lines)
    before_debit, before_credit = _sides(session, lines.order_by(*_LEDGER_ORDER).limit((page - 1) * size))
    rows = session.execute(page_window(lines.order_by(*_LEDGER_ORDER), page, size)).all()
    count = session.execute(select(func.count()).select_from(lines.subquery())).scalar_one()
    return {
        "opening": opening,
        "before_page": before_debit - before_credit,
        "debit": debit,
        "credit": credit,
        "rows": rows,
        "count": int(count),
    }
