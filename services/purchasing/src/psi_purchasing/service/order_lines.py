"""The lines of a new or amended order: SKUs checked against the item replica, missing unit prices taken from
the price list (domain/pricing.order_price), and the insert of a draft order, shared by create and by the
conversion of requisitions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.errors import add_error
from psi_chassis.replica import ensure_active_warehouse, item_problem
from psi_purchasing import config
from psi_purchasing.adapters import exchange_rates, prices, replica
from psi_purchasing.adapters import purchase_orders as orders
from psi_purchasing.adapters import suppliers as suppliers_store
from psi_purchasing.domain.commands import Actor, CreatePurchaseOrder, OrderLine
from psi_purchasing.domain.errors import RuleViolation
from psi_purchasing.domain.fx import OrderRate, order_rate
from psi_purchasing.domain.model import PurchaseOrder, Supplier
from psi_purchasing.domain.pricing import no_price_message, order_price


def price_for(
    session: Session, supplier_id: int, sku: str, currency: str, on: date, quantity: Decimal
) -> Decimal | None:
    """The supplier's price for a SKU valid on a date, in a currency, for a quantity (domain/pricing.order_price:
    the highest quantity break it reaches wins, then the newest ``valid_from``)."""
    entries = prices.applicable_prices(session, sku, on, quantity, supplier_id=supplier_id, currency=currency)
    chosen = order_price(entries, on, quantity, currency)
    return None if chosen is None else chosen.unit_price


def resolve_lines(
    session: Session,
    lines: Sequence[OrderLine],
    *,
    supplier_id: int,
    currency: str,
    on: date,
    field: str = "lines",
    indexes: Sequence[int] | None = None,
) -> tuple[OrderLine, ...]:
    """Check each SKU against the item replica and fill a missing unit price from the price list.

    Raises 422 with field errors ``lines.<n>.sku`` (UNKNOWN_SKU, INACTIVE_SKU) or ``lines.<n>.unit_price``
    (NO_PRICE); the code is that of the first problem found.
    """
    active = replica.item_status(session, {line.sku for line in lines})
    errors: dict[str, Any] = {}
    codes: list[str] = []
    resolved: list[OrderLine] = []

    def err(i: int, name: str, message: str, code: str) -> None:
        if indexes is not None:
            i = indexes[i]
        add_error(errors, field, message, i, name)
        codes.append(code)

    for i, line in enumerate(lines):
        problem = item_problem(active, line.sku)
        if problem is not None:
            err(i, "sku", problem[1], problem[0])
        price = line.unit_price
        if price is None and line.quantity > 0:
            price = price_for(session, supplier_id, line.sku, currency, on, line.quantity)
            if price is None:
                err(i, "unit_price", no_price_message(currency, line.sku, on, line.quantity), "NO_PRICE")
        resolved.append(dataclasses.replace(line, unit_price=price))
    if errors:
        raise RuleViolation("the purchase order lines are not valid; see errors", code=codes[0], errors=errors)
    return tuple(resolved)


def ensure_warehouse_takes_orders(session: Session, code: str) -> None:
    """422 UNKNOWN_WAREHOUSE / INACTIVE_WAREHOUSE unless the replica holds the warehouse as active."""
    ensure_active_warehouse(replica.warehouse_status(session, [code]), code)


def rate_of_order(
    session: Session, currency: str, typed: Decimal | None, order_date: date, field: str = "exchange_rate"
) -> OrderRate:
    """The rate of an order dated ``order_date`` (domain/fx.order_rate): finance's rate for the date from the
    replica, the typed one checked against it, or the band rule where the table has none."""
    base = config.base_currency()
    table_rate = None if currency == base else exchange_rates.rate_on(session, currency, order_date)
    return order_rate(currency, typed, base=base, table_rate=table_rate, bands=config.rules().rate_bands, field=field)


def _supplier_for_order(session: Session, supplier_id: int) -> Supplier:
    supplier = suppliers_store.get_supplier(session, supplier_id)
    if supplier is None:
        raise RuleViolation(
            f"supplier {supplier_id} does not exist",
            code="SUPPLIER_NOT_FOUND",
            errors={"supplier_id": [f"supplier {supplier_id} does not exist"]},
        )
    supplier.ensure_can_order()
    return supplier


def insert_order(session: Session, cmd: CreatePurchaseOrder, now: datetime, created_by: Actor) -> int:
    """Validate and insert a draft order (shared with the conversion of requisitions); ``created_by`` is its
    maker for the four-eyes rule."""
    supplier = _supplier_for_order(session, cmd.supplier_id)
    ensure_warehouse_takes_orders(session, cmd.warehouse_code)
    currency = cmd.currency or supplier.currency
    rate = rate_of_order(session, currency, cmd.exchange_rate, now.date())
    lines = resolve_lines(session, cmd.lines, supplier_id=supplier.id, currency=currency, on=now.date())
    po = PurchaseOrder.draft(lines, rate.rate, rate.table_rate)
    return orders.add_purchase_order(
        session,
        po,
        supplier_id=supplier.id,
        warehouse_code=cmd.warehouse_code,
        currency=currency,
        expected_date=cmd.expected_date,
        department=cmd.department,
        now=now,
        created_by=created_by.user_id,
    )
