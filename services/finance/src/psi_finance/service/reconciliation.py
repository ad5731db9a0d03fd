"""Inventory reconciliation as the API and the relay's gauge read it (the rule: domain/reconciliation.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database
from psi_finance.adapters import reconciliation as store
from psi_finance.domain.chart import Role
from psi_finance.domain.reconciliation import reconcile
from psi_finance.service.journal import account_for


def inventory_reconciliation(db: Database, as_of: datetime | None) -> dict[str, Any]:
    """Per warehouse: inventory's valuation as its events state it, what the books posted to Inventory for those
    events, the difference and the events behind it. In all: the books' actual Inventory and Inventory in transit
    balance, so a person's entry on those accounts (a manual posting, a reversal) shows as ``other_postings``."""
    with db.unit_of_work() as session:
        rows = store.changes(session, as_of)
        books_accounts = [account_for(session, Role.INVENTORY), account_for(session, Role.INVENTORY_IN_TRANSIT)]
        books = store.books_balance(session, books_accounts, as_of)
    warehouses = [
        {**asdict(w), "difference": w.difference, "differing_events": list(w.differing_events)} for w in reconcile(rows)
    ]
    stated = sum((w["stated"] for w in warehouses), 0)
    posted = sum((w["posted"] for w in warehouses), 0)
    return {
        "as_of": as_of,
        "warehouses": warehouses,
        "stated": stated,
        "posted": posted,
        "books": books,
        "other_postings": books - posted,
        "difference": books - stated,
        "reconciled": books == stated and all(w["difference"] == 0 for w in warehouses),
    }


def largest_difference(session: Session) -> float:
    """The largest absolute difference of any warehouse, for the gauge the relay sets."""
    return float(store.largest_difference(session))
