"""Read side of the inventory API: balances as stored (the projection), never recomputed per request; stock as
of a past time, the stock card, the stock value, the low-stock list and the reservations, from the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from psi_chassis.decimals import ZERO
from psi_chassis.paging import count_rows, page_window
from psi_chassis.types import ExactDecimal
from psi_inventory.adapters.tables import items, reservations, stock_balances, stock_moves, warehouses
from psi_inventory.adapters.transfers import in_transit_lines_at
from psi_inventory.domain.stock_card import CardBalance, running_balances
from psi_inventory.domain.valuation import MOVING_AVERAGE, books_value


def _row(row: Any) -> dict[str, Any]:
    return {
        "sku": row.sku,
        "warehouse_code": row.warehouse_code,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "available": row.on_hand - row.reserved,
        "value": row.value,
        "value_fifo": row.value_fifo,
        "updated_at": row.updated_at,
    }


def list_balances(
    session: Session, *, sku: str | None, warehouse_code: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(stock_balances)
    if sku:
        query = query.where(stock_balances.c.sku == sku)
    if warehouse_code:
        query = query.where(stock_balances.c.warehouse_code == warehouse_code)

    total = count_rows(session, query)
    rows = session.execute(
        page_window(query.order_by(stock_balances.c.sku, stock_balances.c.warehouse_code), page, page_size)
    ).all()
    return [_row(r) for r in rows], int(total)


# GET /stock/<sku> is the hottest read: its statement is built once, not per call.
_BALANCES_OF_SKU = (
    select(stock_balances).where(stock_balances.c.sku == bindparam("sku")).order_by(stock_balances.c.warehouse_code)
)


def balances_of_sku(session: Session, sku: str) -> list[dict[str, Any]]:
    return [_row(r) for r in session.execute(_BALANCES_OF_SKU, {"sku": sku}).all()]


def _as_of_rows(at: datetime, sku: str | None, warehouse_code: str | None) -> Select[Any]:
    """Per SKU and warehouse at business time ``at``: the ledger's on hand and values, and what was on its way
    there from another warehouse (a transfer shipped by then and not received by then)."""

    def zero(name: str) -> Any:
        return literal(ZERO, ExactDecimal()).label(name)

    held = select(
        stock_moves.c.sku,
        stock_moves.c.warehouse_code,
        stock_moves.c.quantity.label("on_hand"),
        stock_moves.c.value.label("value"),
        stock_moves.c.value_fifo.label("value_fifo"),
        zero("t_quantity"),
        zero("t_value"),
        zero("t_value_fifo"),
    ).where(stock_moves.c.occurred_at <= at)
    lines = in_transit_lines_at(at).subquery()
    moving = select(
        lines.c.sku,
        lines.c.warehouse_code,
        zero("on_hand"),
        zero("value"),
        zero("value_fifo"),
        lines.c.quantity.label("t_quantity"),
        lines.c.value.label("t_value"),
        lines.c.value_fifo.label("t_value_fifo"),
    )
    both = union_all(held, moving).subquery()
    query = select(
        both.c.sku,
        both.c.warehouse_code,
        func.sum(both.c.on_hand).label("on_hand"),
        func.sum(both.c.value).label("value"),
        func.sum(both.c.value_fifo).label("value_fifo"),
        func.sum(both.c.t_quantity).label("in_transit"),
        func.sum(both.c.t_value).label("in_transit_value"),
        func.sum(both.c.t_value_fifo).label("in_transit_value_fifo"),
    )
    if sku:
        query = query.where(both.c.sku == sku)
    if warehouse_code:
        query = query.where(both.c.warehouse_code == warehouse_code)
    return query.group_by(both.c.sku, both.c.warehouse_code).order_by(both.c.sku, both.c.warehouse_code)


def stock_as_of(
    session: Session, at: datetime, *, sku: str | None, warehouse_code: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int, dict[str, Decimal]]:
    """On hand and value per SKU and warehouse at business time ``at``, summed from the ledger, with the stock
    in transit towards each warehouse at that time; and the totals over every row (not only the page).

    Answers from ``occurred_at`` (when it happened), not ``recorded_at`` (when it was typed in), so a receipt
    entered late counts from the day the goods arrived. Stock in transit is in no warehouse's on hand, but it
    is the company's: it is shown at its destination and counted in the totals, so the company's value is the
    same before, during and after a transfer.
    """
    query = _as_of_rows(at, sku, warehouse_code)
    rows_of = query.order_by(None).subquery()
    sums = session.execute(
        select(
            func.count(),
            func.sum(rows_of.c.value),
            func.sum(rows_of.c.value_fifo),
            func.sum(rows_of.c.in_transit_value),
            func.sum(rows_of.c.in_transit_value_fifo),
        )
    ).one()
    rows = session.execute(page_window(query, page, page_size)).all()
    value, value_fifo, moving, moving_fifo = (_dec(v) for v in sums[1:])
    totals = {
        "value": value,
        "value_fifo": value_fifo,
        "in_transit_value": moving,
        "in_transit_value_fifo": moving_fifo,
        "total_value": value + moving,
        "total_value_fifo": value_fifo + moving_fifo,
    }
    return (
        [
            {
                "sku": r.sku,
                "warehouse_code": r.warehouse_code,
                "on_hand": _dec(r.on_hand),
                "value": _dec(r.value),
                "value_fifo": _dec(r.value_fifo),
                "in_transit": _dec(r.in_transit),
                "in_transit_value": _dec(r.in_transit_value),
                "in_transit_value_fifo": _dec(r.in_transit_value_fifo),
                "as_of": at,
            }
            for r in rows
        ],
        int(sums[0]),
        totals,
    )


def _dec(value: Any) -> Decimal:
    return Decimal(value) if value is not None else ZERO


def below_reorder_point(
    session: Session, *, warehouse_code: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Balances whose available quantity is under the item's reorder point, with what to order."""
    available = stock_balances.c.on_hand - stock_balances.c.reserved
    query = (
        select(
            stock_balances.c.sku,
            stock_balances.c.warehouse_code,
            stock_balances.c.on_hand,
            stock_balances.c.reserved,
            items.c.name,
            items.c.reorder_point,
            items.c.reorder_quantity,
            items.c.safety_stock,
        )
        .join(items, items.c.sku == stock_balances.c.sku)
        .where(items.c.active.is_(True), items.c.reorder_point.is_not(None), available < items.c.reorder_point)
    )
    if warehouse_code:
        query = query.where(stock_balances.c.warehouse_code == warehouse_code)
    total = count_rows(session, query)
    rows = session.execute(
        page_window(query.order_by(stock_balances.c.sku, stock_balances.c.warehouse_code), page, page_size)
    ).all()
    return [
        {
            "sku": r.sku,
            "warehouse_code": r.warehouse_code,
            "name": r.name,
            "on_hand": r.on_hand,
            "reserved": r.reserved,
            "available": r.on_hand - r.reserved,
            "reorder_point": r.reorder_point,
            "reorder_quantity": r.reorder_quantity or Decimal(0),
            "safety_stock": r.safety_stock,
        }
        for r in rows
    ], int(total)


def reservation_lines(session: Session, reference: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(reservations)
        .where(reservations.c.reference == reference)
        .order_by(reservations.c.line_no, reservations.c.revision)
    ).all()
    return [
        {
            "line_no": r.line_no,
            "sku": r.sku,
            "warehouse_code": r.warehouse_code,
            "quantity": r.quantity,
            "consumed": r.consumed,
            "status": r.status,
        }
        for r in rows
    ]


def list_reservations(
    session: Session,
    *,
    reference: str | None,
    sku: str | None,
    warehouse_code: str | None,
    status: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Reservation lines, newest first, with what each still holds (``open`` = quantity − consumed while
    active, else 0); the dates filter when they were made."""
    query = select(reservations)
    for column, wanted in (
        (reservations.c.reference, reference),
        (reservations.c.sku, sku),
        (reservations.c.warehouse_code, warehouse_code),
        (reservations.c.status, status),
    ):
        if wanted:
            query = query.where(column == wanted)
    if date_from is not None:
        query = query.where(reservations.c.created_at >= date_from)
    if date_to is not None:
        query = query.where(reservations.c.created_at <= date_to)
    total = count_rows(session, query)
    rows = session.execute(page_window(query.order_by(reservations.c.id.desc()), page, page_size)).all()
    return [
        {
            "reference": r.reference,
            "line_no": r.line_no,
            "sku": r.sku,
            "warehouse_code": r.warehouse_code,
            "quantity": r.quantity,
            "consumed": r.consumed,
            "open": r.quantity - r.consumed if r.status == "active" else ZERO,
            "status": r.status,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }
        for r in rows
    ], int(total)


# --- the stock card (库存流水) -------------------------------------------------------------------------------


def _card_order(query: Select[Any]) -> Select[Any]:
    return query.order_by(stock_moves.c.occurred_at, stock_moves.c.id)


def stock_card(
    session: Session,
    sku: str,
    warehouse_code: str,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> dict[str, Any]:
    """Every move of ``sku`` in ``warehouse_code`` in business-time order with the running balance after it
    (``domain/stock_card.py``), the opening balance at ``date_from`` and the closing balance at ``date_to``."""
    pair = and_(stock_moves.c.sku == sku, stock_moves.c.warehouse_code == warehouse_code)
    in_range = [pair]
    if date_from is not None:
        in_range.append(stock_moves.c.occurred_at >= date_from)
    if date_to is not None:
        in_range.append(stock_moves.c.occurred_at <= date_to)
    query = select(stock_moves).where(*in_range)
    total = count_rows(session, query)
    rows = session.execute(page_window(_card_order(query), page, page_size)).all()
    opening = _card_sum(session, pair, stock_moves.c.occurred_at < date_from) if date_from else CardBalance()
    page_opening = opening
    if rows:
        first = rows[0]
        page_opening = _card_sum(
            session,
            pair,
            or_(
                stock_moves.c.occurred_at < first.occurred_at,
                and_(stock_moves.c.occurred_at == first.occurred_at, stock_moves.c.id < first.id),
            ),
        )
    balances = running_balances(page_opening, [(r.quantity, r.value, r.value_fifo) for r in rows])
    closing = _card_sum(session, pair, stock_moves.c.occurred_at <= date_to) if date_to else _card_sum(session, pair)
    return {
        "sku": sku,
        "warehouse_code": warehouse_code,
        "from": date_from,
        "to": date_to,
        "opening": _balance_view(opening),
        "closing": _balance_view(closing),
        "items": [_card_line(r, b) for r, b in zip(rows, balances, strict=True)],
        "page": page,
        "page_size": page_size,
        "total": int(total),
    }


def _card_sum(session: Session, *conditions: Any) -> CardBalance:
    row = session.execute(
        select(
            func.sum(stock_moves.c.quantity), func.sum(stock_moves.c.value), func.sum(stock_moves.c.value_fifo)
        ).where(*conditions)
    ).one()
    return CardBalance(_dec(row[0]), _dec(row[1]), _dec(row[2]))


def _balance_view(balance: CardBalance) -> dict[str, Decimal]:
    return {"quantity": balance.quantity, "value": balance.value, "value_fifo": balance.value_fifo}


def _card_line(row: Any, balance: CardBalance) -> dict[str, Any]:
    return {
        "move_id": row.id,
        "occurred_at": row.occurred_at,
        "recorded_at": row.recorded_at,
        "kind": row.kind,
        "document_ref": row.document_ref,
        "line_no": row.source_line,
        "reason_code": row.reason_code,
        "quantity": row.quantity,
        "unit_cost": row.unit_cost,
        "value": row.value,
        "value_fifo": row.value_fifo,
        "balance_quantity": balance.quantity,
        "balance_value": balance.value,
        "balance_value_fifo": balance.value_fifo,
    }


# --- total stock value ----------------------------------------------------------------------------------------


def stock_value(session: Session, *, warehouse_code: str | None) -> dict[str, Any]:
    """The value of the stock now, per warehouse and overall: moving average, FIFO, and the books' method of
    each warehouse; the stock in transit between warehouses (valued by its source's method in the books) is in
    the overall total."""
    sums = select(
        stock_balances.c.warehouse_code,
        func.sum(stock_balances.c.value).label("value"),
        func.sum(stock_balances.c.value_fifo).label("value_fifo"),
    ).group_by(stock_balances.c.warehouse_code)
    listed = select(warehouses.c.code, warehouses.c.valuation_method)
    if warehouse_code:
        sums = sums.where(stock_balances.c.warehouse_code == warehouse_code)
        listed = listed.where(warehouses.c.code == warehouse_code)
    held = {r.warehouse_code: r for r in session.execute(sums).all()}
    methods = {r.code: r.valuation_method for r in session.execute(listed).all()}
    per_warehouse = []
    for code in sorted(set(held) | set(methods)):  # every listed warehouse, and any code stock was booked in
        method = methods.get(code) or MOVING_AVERAGE
        value = _dec(held[code].value) if code in held else ZERO
        value_fifo = _dec(held[code].value_fifo) if code in held else ZERO
        per_warehouse.append(
            {
                "warehouse_code": code,
                "valuation_method": method,
                "value": value,
                "value_fifo": value_fifo,
                "books_value": books_value(method, value, value_fifo),
            }
        )
    moving = _in_transit_value(session, warehouse_code)
    return {
        "warehouses": per_warehouse,
        "in_transit": moving,
        "total": {
            name: sum((w[name] for w in per_warehouse), ZERO) + moving[name]
            for name in ("value", "value_fifo", "books_value")
        },
    }


def _in_transit_value(session: Session, warehouse_code: str | None) -> dict[str, Decimal]:
    """Transfers on their way now (to or from ``warehouse_code`` when given), valued three ways."""
    lines = in_transit_lines_at(datetime.max.replace(tzinfo=UTC)).subquery()
    query = (
        select(func.sum(lines.c.value), func.sum(lines.c.value_fifo), warehouses.c.valuation_method)
        .select_from(lines.outerjoin(warehouses, warehouses.c.code == lines.c.from_warehouse_code))
        .group_by(warehouses.c.valuation_method)
    )
    if warehouse_code:
        query = query.where(
            or_(lines.c.warehouse_code == warehouse_code, lines.c.from_warehouse_code == warehouse_code)
        )
    value = value_fifo = books = ZERO
    for row in session.execute(query).all():
        value += _dec(row[0])
        value_fifo += _dec(row[1])
        books += books_value(row[2] or MOVING_AVERAGE, _dec(row[0]), _dec(row[1]))
    return {"value": value, "value_fifo": value_fifo, "books_value": books}
