"""Every statement behind inventory reconciliation: the warehouse replica, the value changes, the sums."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_chassis.replica_store import upsert_newest
from psi_finance.adapters.reconciliation_tables import inventory_value_changes, warehouses
from psi_finance.adapters.tables import journal_entries, journal_lines


def keep_warehouse(session: Session, values: dict[str, Any]) -> bool:
    return upsert_newest(session, warehouses, "code", values)


def methods(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """{code: valuation_method} for the warehouses finance knows among ``codes``."""
    wanted = sorted(set(codes))
    rows = session.execute(
        select(warehouses.c.code, warehouses.c.valuation_method).where(warehouses.c.code.in_(wanted))
    )
    return {code: method for code, method in rows}


def record_change(session: Session, values: dict[str, Any]) -> None:
    session.execute(
        insert_on_conflict(session, inventory_value_changes)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event_id"])
    )


_ROW = ("event_id", "event_type", "warehouse_code", "document_ref", "occurred_at", "stated", "posted", "entry_id")


def changes(session: Session, as_of: datetime | None) -> list[dict[str, Any]]:
    """Every recorded change up to ``as_of`` (business time; all when None), oldest first."""
    query = select(inventory_value_changes)
    if as_of is not None:
        query = query.where(inventory_value_changes.c.occurred_at <= as_of)
    rows = session.execute(query.order_by(inventory_value_changes.c.occurred_at, inventory_value_changes.c.event_id))
    return [{name: getattr(r, name) for name in _ROW} for r in rows]


def largest_difference(session: Session) -> Decimal:
    """The largest absolute difference of any warehouse (the gauge the relay sets)."""
    per_warehouse = (
        select(func.abs(func.sum(inventory_value_changes.c.posted - inventory_value_changes.c.stated)).label("d"))
        .group_by(inventory_value_changes.c.warehouse_code)
        .subquery()
    )
    found = session.execute(select(func.max(per_warehouse.c.d))).scalar()
    return Decimal(found or 0)


def books_balance(session: Session, accounts: Iterable[str], as_of: datetime | None) -> Decimal:
    """The journal's balance of ``accounts`` (debit positive), entries dated up to ``as_of``'s date."""
    query = (
        select(func.coalesce(func.sum(journal_lines.c.debit - journal_lines.c.credit), 0))
        .select_from(journal_lines.join(journal_entries, journal_entries.c.id == journal_lines.c.entry_id))
        .where(journal_lines.c.account.in_(sorted(set(accounts))))
    )
    if as_of is not None:
        query = query.where(journal_entries.c.entry_date <= as_of.date())
    return Decimal(session.execute(query).scalar_one())
