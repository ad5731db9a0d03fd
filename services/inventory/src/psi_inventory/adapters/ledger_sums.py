"""The sums ``psi-inventory rebuild-balances`` compares: the ledger's, the reservations', the FIFO layers', and
the balance rows as stored; and the one correction it writes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import cost_layers, reservations, stock_balances, stock_moves
from psi_inventory.domain.stock_book import Key

Sums = dict[Key, tuple[Decimal, ...]]


def _sums(session: Session, statement: Any) -> Sums:
    return {(r[0], r[1]): tuple(Decimal(v or 0) for v in r[2:]) for r in session.execute(statement).all()}


def ledger_sums(session: Session) -> Sums:
    """Per (sku, warehouse): the sums of the moves' quantity, value and FIFO value."""
    return _sums(
        session,
        select(
            stock_moves.c.sku,
            stock_moves.c.warehouse_code,
            func.sum(stock_moves.c.quantity),
            func.sum(stock_moves.c.value),
            func.sum(stock_moves.c.value_fifo),
        ).group_by(stock_moves.c.sku, stock_moves.c.warehouse_code),
    )


def reserved_sums(session: Session) -> Sums:
    """Per (sku, warehouse): what the active reservations still hold."""
    return _sums(
        session,
        select(
            reservations.c.sku,
            reservations.c.warehouse_code,
            func.sum(reservations.c.quantity - reservations.c.consumed),
        )
        .where(reservations.c.status == "active")
        .group_by(reservations.c.sku, reservations.c.warehouse_code),
    )


def layer_sums(session: Session) -> Sums:
    """Per (sku, warehouse): what the FIFO layers still hold."""
    return _sums(
        session,
        select(cost_layers.c.sku, cost_layers.c.warehouse_code, func.sum(cost_layers.c.remaining)).group_by(
            cost_layers.c.sku, cost_layers.c.warehouse_code
        ),
    )


def stored_balances(session: Session) -> dict[Key, Any]:
    """Every balance row as stored, by (sku, warehouse)."""
    return {(r.sku, r.warehouse_code): r for r in session.execute(select(stock_balances)).all()}


def lock_for_correction(session: Session) -> None:
    """Let readers on but make postings wait until the transaction ends, so no move lands between the sums and
    the corrections (PostgreSQL; SQLite's writer lock does the same there)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE stock_moves, stock_balances, reservations IN SHARE ROW EXCLUSIVE MODE"))


def correct_balance(session: Session, sku: str, warehouse: str, field: str, value: Decimal) -> None:
    row = (stock_balances.c.sku == sku) & (stock_balances.c.warehouse_code == warehouse)
    session.execute(update(stock_balances).where(row).values({field: value, "updated_at": utcnow()}))
