"""Reading and writing balance rows under a row lock."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import stock_balances
from psi_inventory.domain.model import Position

_ZERO = Decimal(0)


def lock_position(session: Session, sku: str, warehouse_code: str) -> Position:
    """Make sure the balance row exists, then lock it (FOR UPDATE) and return its position.

    Callers lock rows in sorted (sku, warehouse) order so two transactions never wait on each other in a cycle.
    """
    module = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    session.execute(
        module.insert(stock_balances)
        .values(sku=sku, warehouse_code=warehouse_code, on_hand=_ZERO, reserved=_ZERO, value=_ZERO,
                updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sku", "warehouse_code"])
    )
    row = session.execute(
        select(stock_balances.c.on_hand, stock_balances.c.reserved, stock_balances.c.value)
        .where(stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse_code)
        .with_for_update()
    ).one()
    return Position(on_hand=row.on_hand, reserved=row.reserved, value=row.value)


def save_position(session: Session, sku: str, warehouse_code: str, position: Position) -> None:
    session.execute(
        update(stock_balances)
        .where(stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse_code)
        .values(on_hand=position.on_hand, reserved=position.reserved, value=position.value, updated_at=utcnow())
    )
