"""Converting approved requisitions into draft purchase orders (POST /requisitions/convert).

The rules (grouping per supplier, warehouse and currency; default quantities; the order headers) are
domain/conversion.py. This handler locks the requisitions and their lines in id order (two conversions never
deadlock), asks the rules, inserts the orders like any other draft (service/purchase_orders.insert_order) and
moves each line's ``ordered_quantity`` (a fully ordered requisition becomes ``converted``), in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.types import utcnow
from psi_purchasing import config, metrics
from psi_purchasing.adapters import exchange_rates as rate_replica
from psi_purchasing.adapters import queries, replica
from psi_purchasing.adapters import requisitions as requisition_store
from psi_purchasing.adapters import suppliers as suppliers_store
from psi_purchasing.domain.commands import Actor, ConvertLine, CreatePurchaseOrder, OrderLine
from psi_purchasing.domain.conversion import (
    GroupKey,
    OpenLine,
    collect_line_errors,
    ensure_approved,
    group_lines,
    group_rate,
    line_error,
    order_header,
    quantities_to_order,
    raise_if_any,
    warehouse_takes_orders,
)
from psi_purchasing.domain.errors import OverOrdered, RuleViolation
from psi_purchasing.domain.model import Supplier
from psi_purchasing.service.order_lines import insert_order, resolve_lines


def convert_requisitions(
    db: Database,
    lines: list[ConvertLine],
    *,
    actor: Actor,
    base_currency: str,
    warehouse_code: str | None = None,
    exchange_rates: dict[str, Decimal] | None = None,
) -> dict[str, Any]:
    """The draft orders made of the lines, all or nothing."""

    def work(session: Session) -> list[dict[str, Any]]:
        open_lines, suppliers = _load(session, lines)
        quantities, taken = quantities_to_order(lines, open_lines)
        orders = _plan_orders(
            session, lines, open_lines, suppliers, quantities, base_currency, warehouse_code, exchange_rates or {}
        )
        return _write(session, orders, taken, {ln.requisition_id for ln in open_lines.values()}, actor)

    views = run_command(db, work)
    for _ in views:
        metrics.PURCHASE_ORDERS_CREATED.inc()
    return {"items": views}


def _load(session: Session, lines: Sequence[ConvertLine]) -> tuple[dict[int, OpenLine], dict[int, Supplier]]:
    """Lock the requisitions and lines, load the suppliers; 422 for lines or suppliers that do not exist,
    409 for a blocked supplier or a requisition that is not approved."""
    heads, rows = requisition_store.lock_for_conversion(session, {ln.requisition_line_id for ln in lines})
    errors: dict[str, Any] = {}
    suppliers: dict[int, Supplier] = {}
    for i, ln in enumerate(lines):
        if ln.requisition_line_id not in rows:
            line_error(errors, i, "requisition_line_id", f"requisition line {ln.requisition_line_id} does not exist")
        if ln.supplier_id not in suppliers:
            supplier = suppliers_store.get_supplier(session, ln.supplier_id)
            if supplier is None:
                line_error(errors, i, "supplier_id", f"supplier {ln.supplier_id} does not exist")
            else:
                suppliers[ln.supplier_id] = supplier
    raise_if_any(errors)
    for supplier in suppliers.values():
        supplier.ensure_can_order()
    for ln in lines:
        head = heads[rows[ln.requisition_line_id].requisition_id]
        ensure_approved(head.status, head.number or str(head.id))
    open_lines = {
        row.id: OpenLine(
            id=row.id,
            requisition_id=row.requisition_id,
            sku=row.sku,
            warehouse_code=row.warehouse_code,
            quantity=row.quantity,
            ordered_quantity=row.ordered_quantity,
            needed_by=row.needed_by,
            department=heads[row.requisition_id].department,
        )
        for row in rows.values()
    }
    return open_lines, suppliers


def _plan_orders(
    session: Session,
    lines: Sequence[ConvertLine],
    open_lines: Mapping[int, OpenLine],
    suppliers: Mapping[int, Supplier],
    quantities: Sequence[Decimal],
    base_currency: str,
    warehouse_override: str | None,
    rates: Mapping[str, Decimal],
) -> list[CreatePurchaseOrder]:
    """One draft order per group; every group's problems are collected and refused together (422)."""
    currencies = {supplier_id: supplier.currency for supplier_id, supplier in suppliers.items()}
    groups = group_lines(lines, open_lines, currencies, warehouse_override)
    stores = replica.warehouse_status(session, {warehouse for _s, warehouse, _c in groups})
    today = utcnow().date()
    table_rates = _table_rates(session, {c for _s, _w, c in groups if c != base_currency}, today)
    errors: dict[str, Any] = {}
    orders: list[CreatePurchaseOrder] = []
    for (supplier_id, warehouse, currency), members in groups.items():
        if not warehouse_takes_orders(errors, stores, warehouse, members, warehouse_override is not None):
            continue
        rate = group_rate(errors, currency, base_currency, rates, members, config.rules().rate_bands, table_rates)
        if rate is None:
            continue
        typed = None if currency == base_currency else rates.get(currency)  # none: the order takes the table's
        try:
            orders.append(
                _order_of_group(
                    session, (supplier_id, warehouse, currency), members, lines, open_lines, quantities, typed, today
                )
            )
        except RuleViolation as exc:
            collect_line_errors(errors, exc)
    raise_if_any(errors)
    return orders


def _table_rates(session: Session, currencies: set[str], on: date) -> dict[str, Decimal]:
    """Finance's rate for ``on`` of each currency the replica has one for."""
    found = {currency: rate_replica.rate_on(session, currency, on) for currency in sorted(currencies)}
    return {currency: rate for currency, rate in found.items() if rate is not None}


def _order_of_group(
    session: Session,
    key: GroupKey,
    members: Sequence[int],
    lines: Sequence[ConvertLine],
    open_lines: Mapping[int, OpenLine],
    quantities: Sequence[Decimal],
    rate: Decimal | None,
    today: date,
) -> CreatePurchaseOrder:
    """The draft order of one group, its lines priced from the supplier's list (422 with the lines' indexes in
    the request when one cannot be ordered)."""
    supplier_id, warehouse, currency = key
    order_lines = tuple(
        OrderLine(
            sku=open_lines[lines[i].requisition_line_id].sku,
            quantity=quantities[i],
            requisition_line_id=lines[i].requisition_line_id,
        )
        for i in members
    )
    order_lines = resolve_lines(
        session, order_lines, supplier_id=supplier_id, currency=currency, on=today, indexes=members
    )
    expected_date, department = order_header([open_lines[lines[i].requisition_line_id] for i in members])
    return CreatePurchaseOrder(
        supplier_id=supplier_id,
        warehouse_code=warehouse,
        lines=order_lines,
        currency=currency,
        exchange_rate=rate,
        expected_date=expected_date,
        department=department,
    )


def _write(
    session: Session,
    orders: Sequence[CreatePurchaseOrder],
    taken: Mapping[int, Decimal],
    requisition_ids: set[int],
    actor: Actor,
) -> list[dict[str, Any]]:
    """Insert the orders (the caller is their maker) and move what the requisition lines have on order."""
    now = utcnow()
    po_ids = [insert_order(session, order, now, actor) for order in orders]
    for line_id, quantity in taken.items():
        if not requisition_store.add_ordered_quantity(session, line_id, quantity):  # pragma: no cover
            raise OverOrdered(f"requisition line {line_id} would be ordered beyond its quantity")  # the row lock
    requisition_store.mark_converted_when_fully_ordered(session, sorted(requisition_ids), now)
    views = [queries.purchase_order(session, po_id) for po_id in po_ids]
    return [v for v in views if v is not None]
