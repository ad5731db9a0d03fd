"""Rebuild balances from the ledger and report every difference.

The ledger is the truth; balance rows, FIFO layers' remaining quantities and reservations are projections. This
recomputes on hand, value (moving average) and FIFO value from ``stock_moves``, reserved from the active
reservations, and checks that the open FIFO layers add up to what is on hand. With ``apply`` the balance rows
are corrected (the ledger itself is never touched).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import cost_layers, reservations, stock_balances, stock_moves


@dataclass(frozen=True)
class Difference:
    sku: str
    warehouse_code: str
    field: str
    stored: Decimal
    from_ledger: Decimal


def _sums(session: Session, statement: object) -> dict[tuple[str, str], tuple[Decimal, ...]]:
    return {(r[0], r[1]): tuple(Decimal(v or 0) for v in r[2:]) for r in session.execute(statement).all()}


def find_differences(session: Session) -> list[Difference]:
    ledger = _sums(
        session,
        select(
            stock_moves.c.sku,
            stock_moves.c.warehouse_code,
            func.sum(stock_moves.c.quantity),
            func.sum(stock_moves.c.value),
            func.sum(stock_moves.c.value_fifo),
        ).group_by(stock_moves.c.sku, stock_moves.c.warehouse_code),
    )
    held = _sums(
        session,
        select(
            reservations.c.sku,
            reservations.c.warehouse_code,
            func.sum(reservations.c.quantity - reservations.c.consumed),
        )
        .where(reservations.c.status == "active")
        .group_by(reservations.c.sku, reservations.c.warehouse_code),
    )
    layers = _sums(
        session,
        select(cost_layers.c.sku, cost_layers.c.warehouse_code, func.sum(cost_layers.c.remaining)).group_by(
            cost_layers.c.sku, cost_layers.c.warehouse_code
        ),
    )
    stored = {(r.sku, r.warehouse_code): r for r in session.execute(select(stock_balances)).all()}
    differences: list[Difference] = []
    for key in sorted(set(ledger) | set(stored) | set(held)):
        on_hand, value, value_fifo = ledger.get(key, (ZERO, ZERO, ZERO))
        row = stored.get(key)
        expected = {
            "on_hand": on_hand,
            "value": value,
            "value_fifo": value_fifo,
            "reserved": held.get(key, (ZERO,))[0],
            "fifo_layers_remaining": on_hand,
        }
        actual = {
            "on_hand": row.on_hand if row else ZERO,
            "value": row.value if row else ZERO,
            "value_fifo": row.value_fifo if row else ZERO,
            "reserved": row.reserved if row else ZERO,
            "fifo_layers_remaining": layers.get(key, (ZERO,))[0],
        }
        for field, want in expected.items():
            if actual[field] != want:
                differences.append(Difference(key[0], key[1], field, actual[field], want))
    return differences


def rebuild_balances(session: Session, apply: bool) -> list[Difference]:
    """Report (and with ``apply``, correct) balance rows that differ from the ledger. The caller commits.

    Correcting takes a lock that lets readers on but makes postings wait, so no move lands between the sums
    and the corrections (SQLite's writer lock does the same there).
    """
    if apply and session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE stock_moves, stock_balances, reservations IN SHARE ROW EXCLUSIVE MODE"))
    differences = find_differences(session)
    if apply:
        for diff in differences:
            if diff.field == "fifo_layers_remaining":
                continue  # layers are corrected by hand: which receipt is short is a judgement call
            row = (stock_balances.c.sku == diff.sku) & (stock_balances.c.warehouse_code == diff.warehouse_code)
            session.execute(
                update(stock_balances).where(row).values({diff.field: diff.from_ledger, "updated_at": utcnow()})
            )
    return differences
