"""Reserving stock for orders: every line or none, one conditional UPDATE per line.

``UPDATE stock_balances SET reserved = reserved + :q WHERE ... AND on_hand - reserved >= :q`` cannot oversell:
the check and the change are one statement on one locked row, so two orders racing for the last unit are
serialised by the row lock and the second finds nothing left. Lines are reserved in (sku) order so two
multi-line orders touching the same SKUs in opposite order wait for each other rather than deadlock. A short
line rolls the savepoint back (and with it the row locks), so a rejected order holds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import reservations, stock_balances
from psi_inventory.domain.documents import RuleViolation
from psi_inventory.domain.model import ZERO
from psi_inventory.service.documents import check_skus, check_warehouse
from psi_inventory.service.ledger import Ledger

ACTIVE, RELEASED, CONSUMED = "active", "released", "consumed"


@dataclass(frozen=True)
class ReservationLine:
    line_no: int
    sku: str
    quantity: Decimal


@dataclass(frozen=True)
class ShortLine:
    line_no: int
    sku: str
    requested_quantity: Decimal
    available_quantity: Decimal


class AlreadyReserved(Exception):
    """The reference already holds reservations (a retried request, not a new order)."""


class UnknownTarget(RuleViolation):
    """A reservation request naming a warehouse or a SKU inventory does not know (422, ``errors`` names it)."""


def check_request(session: Session, warehouse: str, skus: list[str]) -> None:
    """A caller reserving through the API names a listed, active warehouse and SKUs of the item master.

    An unknown one is a 422 naming it (``UNKNOWN_WAREHOUSE``, ``INACTIVE_WAREHOUSE``, ``UNKNOWN_SKU``), not a
    409 ``INSUFFICIENT_STOCK``: no amount of stock would make the request right. (A ``sales.OrderConfirmed.v1``
    naming them is a fact and is answered with ReservationRejected, available 0.)
    """
    errors: dict[str, Any] = {}
    check_warehouse(session, warehouse, "warehouse_code", errors)
    code = None
    if errors:
        code = "INACTIVE_WAREHOUSE" if "inactive" in str(errors["warehouse_code"]) else "UNKNOWN_WAREHOUSE"
    check_skus(session, skus, "lines", errors)
    if errors:
        raise UnknownTarget("the reservation names what inventory does not know; see errors",
                            code=code or "UNKNOWN_SKU", errors=errors)


def reserve(session: Session, reference: str, warehouse: str, lines: list[ReservationLine]) -> list[ShortLine]:
    """Reserve every line or none; returns the short lines (empty when all were reserved).

    Must run inside the caller's transaction; on success the reservation rows are added too.
    """
    if session.execute(select(reservations.c.id).where(reservations.c.reference == reference).limit(1)).first():
        raise AlreadyReserved(reference)
    ledger = Ledger(session)
    short: list[ShortLine] = []
    savepoint = session.begin_nested()
    for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
        reserved = session.execute(
            update(stock_balances)
            .where(stock_balances.c.sku == line.sku, stock_balances.c.warehouse_code == warehouse,
                   stock_balances.c.on_hand - stock_balances.c.reserved >= line.quantity)
            .values(reserved=stock_balances.c.reserved + line.quantity, updated_at=ledger.recorded_at)
            .returning(stock_balances.c.on_hand - stock_balances.c.reserved)
        ).first()
        if reserved is None:
            available = session.execute(
                select(stock_balances.c.on_hand - stock_balances.c.reserved)
                .where(stock_balances.c.sku == line.sku, stock_balances.c.warehouse_code == warehouse)
            ).scalar()
            short.append(ShortLine(line.line_no, line.sku, line.quantity, available if available is not None else ZERO))
        elif not short:
            ledger.check_reorder_point(line.sku, warehouse, reserved[0])
    if short:
        savepoint.rollback()
        return short
    savepoint.commit()
    now = utcnow()
    session.execute(insert(reservations), [
        {"reference": reference, "line_no": ln.line_no, "sku": ln.sku, "warehouse_code": warehouse,
         "quantity": ln.quantity, "consumed": ZERO, "status": ACTIVE, "created_at": now, "updated_at": now}
        for ln in lines
    ])
    return []


def release(session: Session, reference: str) -> int:
    """Give back what ``reference`` still holds; returns how many lines were released."""
    rows = session.execute(
        select(reservations).where(reservations.c.reference == reference, reservations.c.status == ACTIVE)
        .order_by(reservations.c.sku, reservations.c.line_no).with_for_update()
    ).all()
    ledger = Ledger(session)
    for row in rows:
        left = row.quantity - row.consumed
        if left > ZERO:
            available = session.execute(
                update(stock_balances)
                .where(stock_balances.c.sku == row.sku, stock_balances.c.warehouse_code == row.warehouse_code)
                .values(reserved=stock_balances.c.reserved - left, updated_at=ledger.recorded_at)
                .returning(stock_balances.c.on_hand - stock_balances.c.reserved)
            ).scalar_one()
            ledger.check_reorder_point(row.sku, row.warehouse_code, available)
        session.execute(update(reservations).where(reservations.c.id == row.id)
                        .values(status=RELEASED, updated_at=ledger.recorded_at))
    return len(rows)


def take_for_shipment(session: Session, reference: str, sku: str, warehouse: str, quantity: Decimal) -> Decimal:
    """Mark up to ``quantity`` of the order's reservation of ``sku`` as consumed; returns how much it covered."""
    rows = session.execute(
        select(reservations).where(reservations.c.reference == reference, reservations.c.sku == sku,
                                   reservations.c.warehouse_code == warehouse, reservations.c.status == ACTIVE)
        .order_by(reservations.c.line_no).with_for_update()
    ).all()
    covered = ZERO
    for row in rows:
        if covered >= quantity:
            break
        take = min(row.quantity - row.consumed, quantity - covered)
        consumed = row.consumed + take
        session.execute(update(reservations).where(reservations.c.id == row.id).values(
            consumed=consumed, status=CONSUMED if consumed == row.quantity else ACTIVE, updated_at=utcnow()))
        covered += take
    return covered
