"""Every statement about customer payments and their allocations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_numbered
from psi_finance.adapters.exchange_tables import customer_payments, payment_allocations
from psi_finance.adapters.receivable_tables import receivables
from psi_finance.domain.payments import OpenInvoice


def lock_invoices(session: Session, numbers: list[str]) -> dict[str, OpenInvoice]:
    """The invoices (not credit notes) named, locked until the end of the transaction, by number."""
    if not numbers:
        return {}
    rows = session.execute(
        select(receivables)
        .where(receivables.c.number.in_(sorted(set(numbers))), receivables.c.kind == "invoice")
        .order_by(receivables.c.id)
        .with_for_update()
    ).all()
    return {
        r.number: OpenInvoice(r.id, r.number, r.customer_id, r.currency, Decimal(r.rate), Decimal(r.open_amount))
        for r in rows
    }


def settle(session: Session, receivable_id: int, amount: Decimal) -> None:
    session.execute(
        update(receivables)
        .where(receivables.c.id == receivable_id)
        .values(open_amount=receivables.c.open_amount - amount)
    )


def add_payment(session: Session, values: dict[str, Any]) -> tuple[int, str]:
    return insert_numbered(session, customer_payments, values, lambda i: f"PAY-{i:06d}")


def set_entry(session: Session, payment_id: int, entry_id: int) -> None:
    session.execute(update(customer_payments).where(customer_payments.c.id == payment_id).values(entry_id=entry_id))


def add_allocations(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(payment_allocations), rows)


_PAYMENT = (
    "id",
    "number",
    "customer_id",
    "currency",
    "amount",
    "rate",
    "unallocated",
    "received_on",
    "reference",
    "entry_id",
)
_ALLOCATION = ("receivable_id", "amount", "invoice_rate", "payment_rate", "fx_difference", "entry_id")


def payment(session: Session, payment_id: int) -> dict[str, Any] | None:
    row = session.execute(select(customer_payments).where(customer_payments.c.id == payment_id)).first()
    if row is None:
        return None
    allocations = session.execute(
        select(payment_allocations, receivables.c.number.label("invoice_number"))
        .join(receivables, receivables.c.id == payment_allocations.c.receivable_id)
        .where(payment_allocations.c.payment_id == payment_id)
        .order_by(payment_allocations.c.id)
    ).all()
    return {
        **{name: getattr(row, name) for name in _PAYMENT},
        "allocations": [
            {"invoice_number": a.invoice_number, **{name: getattr(a, name) for name in _ALLOCATION}}
            for a in allocations
        ],
    }
