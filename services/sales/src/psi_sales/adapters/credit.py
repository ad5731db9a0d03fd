"""Every statement behind credit control: the customer's open orders and receivables, and the decisions' log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO
from psi_chassis.replica_store import upsert_newest
from psi_sales.adapters.tables import credit_decisions, customer_balances, sales_order_lines, sales_orders
from psi_sales.domain.order import OPEN


def open_orders(session: Session, customer_id: int, other_than: int) -> list[tuple[Decimal, Decimal]]:
    """(total, shipped and so invoiced, tax included) of each of the customer's other open orders."""
    shipped = func.coalesce(
        func.sum(
            sales_order_lines.c.shipped_quantity * sales_order_lines.c.unit_price * (1 + sales_order_lines.c.tax_rate)
        ),
        0,
    )
    rows = session.execute(
        select(sales_orders.c.total_amount, shipped)
        .select_from(sales_orders.join(sales_order_lines, sales_order_lines.c.order_id == sales_orders.c.id))
        .where(
            and_(
                sales_orders.c.customer_id == customer_id,
                sales_orders.c.id != other_than,
                sales_orders.c.status.in_(sorted(str(s) for s in OPEN)),
            )
        )
        .group_by(sales_orders.c.id, sales_orders.c.total_amount)
    ).all()
    return [(Decimal(total), Decimal(done)) for total, done in rows]


def open_receivables(session: Session, customer_id: int) -> Decimal:
    """Finance's last published figure for the customer (zero until finance publishes one)."""
    found = session.execute(
        select(customer_balances.c.open_receivables).where(customer_balances.c.customer_id == customer_id)
    ).scalar()
    return ZERO if found is None else Decimal(found)


def log_decision(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(credit_decisions).values(**values))


_DECISION = (
    "action",
    "exposure_before",
    "order_amount",
    "credit_limit",
    "reason",
    "decided_by",
    "decided_at",
)


def decisions(session: Session, order_id: int) -> list[dict[str, Any]]:
    """The order's credit decisions, oldest first."""
    rows = session.execute(
        select(credit_decisions).where(credit_decisions.c.order_id == order_id).order_by(credit_decisions.c.id)
    ).all()
    return [{name: getattr(r, name) for name in _DECISION} for r in rows]


def keep_balance(session: Session, values: dict[str, Any]) -> bool:
    """Finance's newest figure for a customer (an older or repeated version changes nothing)."""
    return upsert_newest(session, customer_balances, "customer_id", values)
