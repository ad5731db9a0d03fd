"""Approved requisitions into draft purchase orders: one order per (supplier, warehouse, currency), so a
requisition's lines may be split across suppliers and lines of several requisitions merged into one order.

Requisitions belong to service/requisitions.py; this module only reads them and moves ``ordered_quantity``
(and a fully ordered requisition's status to ``converted``), under row locks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_transaction
from psi_chassis.decimals import ZERO, plain, q6
from psi_chassis.errors import add_error
from psi_chassis.types import utcnow
from psi_purchasing import config, metrics
from psi_purchasing.adapters import repository
from psi_purchasing.adapters.tables import requisition_lines, requisitions
from psi_purchasing.domain.commands import Actor, CreatePurchaseOrder, OrderLine
from psi_purchasing.domain.errors import OverOrdered, RequisitionNotApproved, RuleViolation
from psi_purchasing.domain.fx import check_exchange_rate
from psi_purchasing.service import queries
from psi_purchasing.service.purchase_orders import insert_order, resolve_lines
from psi_purchasing.service.replica import warehouse_problem, warehouse_status


@dataclass(frozen=True)
class ConvertLine:
    requisition_line_id: int
    supplier_id: int
    quantity: Decimal | None = None


def convert_requisitions(
    db: Database,
    lines: list[ConvertLine],
    *,
    actor: Actor,
    base_currency: str,
    warehouse_code: str | None = None,
    exchange_rates: dict[str, Decimal] | None = None,
) -> dict[str, Any]:
    def attempt() -> dict[str, Any]:
        with db.unit_of_work() as session:
            views = _convert(session, lines, actor, base_currency, warehouse_code, exchange_rates or {})
            session.commit()
        for _ in views:
            metrics.PURCHASE_ORDERS_CREATED.inc()
        return {"items": views}

    return run_transaction(attempt)


def _err(errors: dict[str, Any], i: int, name: str, message: str) -> None:
    add_error(errors, "lines", message, i, name)


def _warehouse_takes_orders(
    errors: dict[str, Any], stores: dict[str, bool], warehouse: str, members: list[int], overridden: bool
) -> bool:
    """False (with the error on ``warehouse_code`` or on each line) unless the replica holds it as active."""
    problem = warehouse_problem(stores, warehouse)
    if problem is None:
        return True
    if overridden:
        errors["warehouse_code"] = [problem[1]]
    else:
        for i in members:
            _err(errors, i, "warehouse_code", problem[1])
    errors.setdefault("_codes", problem[0])
    return False


def _group_rate(
    errors: dict[str, Any], currency: str, base_currency: str, rates: dict[str, Decimal], members: list[int]
) -> Decimal | None:
    """The rate of one order: 1 in the base currency, else the given one inside its band (domain/fx); None with
    the errors collected otherwise."""
    if currency == base_currency:
        return Decimal(1)
    if currency not in rates:
        for i in members:
            _err(errors, i, "supplier_id", f"the supplier bills in {currency}: give exchange_rates.{currency}")
        return None
    try:
        return check_exchange_rate(
            currency, rates[currency], base=base_currency, bands=config.rules().rate_bands, field=currency
        )
    except RuleViolation as exc:
        errors.setdefault("exchange_rates", {}).update(exc.errors or {})
        errors.setdefault("_codes", exc.code)
        return None


def _convert(
    session: Session,
    lines: list[ConvertLine],
    actor: Actor,
    base_currency: str,
    warehouse_override: str | None,
    rates: dict[str, Decimal],
) -> list[dict[str, Any]]:
    ids = sorted({ln.requisition_line_id for ln in lines})
    req_ids = (
        session.execute(select(requisition_lines.c.requisition_id).where(requisition_lines.c.id.in_(ids)).distinct())
        .scalars()
        .all()
    )
    # Lock the requisitions, then their lines, always in id order (no deadlock between two conversions).
    heads = {
        r.id: r
        for r in session.execute(
            select(requisitions).where(requisitions.c.id.in_(req_ids)).order_by(requisitions.c.id).with_for_update()
        ).all()
    }
    rows = {
        r.id: r
        for r in session.execute(
            select(requisition_lines)
            .where(requisition_lines.c.id.in_(ids))
            .order_by(requisition_lines.c.id)
            .with_for_update()
        ).all()
    }
    errors: dict[str, Any] = {}
    suppliers: dict[int, Any] = {}
    for i, ln in enumerate(lines):
        if ln.requisition_line_id not in rows:
            _err(errors, i, "requisition_line_id", f"requisition line {ln.requisition_line_id} does not exist")
        if ln.supplier_id not in suppliers:
            supplier = repository.get_supplier(session, ln.supplier_id)
            if supplier is None:
                _err(errors, i, "supplier_id", f"supplier {ln.supplier_id} does not exist")
            else:
                suppliers[ln.supplier_id] = supplier
    if errors:
        raise RuleViolation("the conversion is not valid; see errors", errors=errors)
    for supplier in suppliers.values():
        supplier.ensure_can_order()
    for ln in lines:
        head = heads[rows[ln.requisition_line_id].requisition_id]
        if head.status != "approved":
            raise RequisitionNotApproved(
                f"requisition {head.number or head.id} is {head.status}; only an approved one converts"
            )

    # quantities: default = what is still open (after earlier lines of this same request)
    taken: dict[int, Decimal] = defaultdict(lambda: ZERO)
    quantities: list[Decimal] = []
    for i, ln in enumerate(lines):
        row = rows[ln.requisition_line_id]
        remaining = row.quantity - row.ordered_quantity - taken[row.id]
        quantity = remaining if ln.quantity is None else q6(ln.quantity)
        if quantity <= ZERO or quantity > remaining:
            raise OverOrdered(
                f"requisition line {row.id} asks for {plain(row.quantity)}, "
                f"{plain(row.ordered_quantity)} already "
                f"ordered: {plain(max(remaining, ZERO))} can still be ordered",
                errors={"lines": {str(i): {"quantity": [f"at most {plain(max(remaining, ZERO))}"]}}},
            )
        taken[row.id] += quantity
        quantities.append(quantity)

    # group by (supplier, warehouse, currency), keeping the request's order
    groups: dict[tuple[int, str, str], list[int]] = {}
    for i, ln in enumerate(lines):
        warehouse = warehouse_override or rows[ln.requisition_line_id].warehouse_code
        currency = suppliers[ln.supplier_id].currency
        groups.setdefault((ln.supplier_id, warehouse, currency), []).append(i)
    stores = warehouse_status(session, {warehouse for _s, warehouse, _c in groups})
    today = utcnow().date()
    orders: list[CreatePurchaseOrder] = []
    for (supplier_id, warehouse, currency), members in groups.items():
        if not _warehouse_takes_orders(errors, stores, warehouse, members, warehouse_override is not None):
            continue
        rate = _group_rate(errors, currency, base_currency, rates, members)
        if rate is None:
            continue
        order_lines = tuple(
            OrderLine(
                sku=rows[lines[i].requisition_line_id].sku,
                quantity=quantities[i],
                requisition_line_id=lines[i].requisition_line_id,
            )
            for i in members
        )
        try:
            order_lines = resolve_lines(
                session, order_lines, supplier_id=supplier_id, currency=currency, on=today, indexes=members
            )
        except RuleViolation as exc:
            for key, value in (exc.errors or {}).get("lines", {}).items():
                errors.setdefault("lines", {})[key] = value
            errors.setdefault("_codes", exc.code)
            continue
        member_rows = [rows[lines[i].requisition_line_id] for i in members]
        departments = {heads[r.requisition_id].department for r in member_rows}
        needed: list[date] = [r.needed_by for r in member_rows if r.needed_by is not None]
        orders.append(
            CreatePurchaseOrder(
                supplier_id=supplier_id,
                warehouse_code=warehouse,
                lines=order_lines,
                currency=currency,
                exchange_rate=rate,
                expected_date=min(needed) if needed else None,
                department=departments.pop() if len(departments) == 1 else None,
            )
        )
    if errors:
        code = errors.pop("_codes", None)
        raise RuleViolation("the conversion is not valid; see errors", code=code, errors=errors)

    now = utcnow()
    po_ids = [insert_order(session, order, now, actor) for order in orders]
    c = requisition_lines.c
    for row_id, quantity in taken.items():
        done = session.execute(
            update(requisition_lines)
            .where(c.id == row_id, c.ordered_quantity + quantity <= c.quantity)
            .values(ordered_quantity=c.ordered_quantity + quantity)
        ).rowcount
        if done != 1:  # pragma: no cover - the row lock makes this unreachable
            raise OverOrdered(f"requisition line {row_id} would be ordered beyond its quantity")
    for req_id in heads:
        open_lines = session.execute(
            select(func.count()).where(c.requisition_id == req_id, c.ordered_quantity < c.quantity)
        ).scalar_one()
        if open_lines == 0:
            session.execute(
                update(requisitions).where(requisitions.c.id == req_id).values(status="converted", updated_at=now)
            )
    views = [queries.purchase_order(session, po_id) for po_id in po_ids]
    return [v for v in views if v is not None]
