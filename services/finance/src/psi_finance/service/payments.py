"""Customer payments (收款): received, posted and allocated to invoices in one transaction.

The rules are domain/payments.py's: same-currency invoices only, never more than is open or paid, the rest an
advance, the realised FX difference posted with the allocation. The payment, its entry, the invoices' open
amounts, the customer's balance and the two events (PaymentReceived, CustomerBalanceChanged) commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.decimals import ZERO
from psi_chassis.errors import NotFound, RuleViolation
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.finance import PAYMENT_RECEIVED_V1
from psi_finance import config
from psi_finance.adapters import exchange_rates as rates
from psi_finance.adapters import payments as store
from psi_finance.config import SERVICE_NAME
from psi_finance.domain.journal import JournalEntry
from psi_finance.domain.payments import Allocation, Payment, check_allocations, payment_entry_lines, payment_source
from psi_finance.service.customer_balances import move_balance
from psi_finance.service.journal import post_entry
from psi_finance.service.on_inventory_events import RoleAccounts


@dataclass(frozen=True)
class ReceivePayment:
    customer_id: str
    currency: str
    amount: Decimal
    received_on: date
    allocations: list[tuple[str, Decimal]]
    """(invoice number, amount in the payment's currency)."""
    rate: Decimal | None = None
    reference: str | None = None


def _rate(session: Session, cmd: ReceivePayment) -> Decimal:
    base = config.base_currency()
    if cmd.currency == base:
        if cmd.rate is not None and cmd.rate != 1:
            raise RuleViolation("a payment in the base currency has rate 1", code="BASE_CURRENCY_RATE")
        return Decimal(1)
    rate = cmd.rate if cmd.rate is not None else rates.rate_on(session, cmd.currency, cmd.received_on)
    if rate is None:
        raise RuleViolation(
            f"no exchange rate for {cmd.currency} on {cmd.received_on}: set one or give the bank's rate",
            code="NO_EXCHANGE_RATE",
            errors={"rate": ["required: the table has no rate for the date"]},
        )
    return rate


def _allocations(session: Session, cmd: ReceivePayment) -> list[Allocation]:
    invoices = store.lock_invoices(session, [number for number, _ in cmd.allocations])
    unknown = {
        f"allocations.{i}.invoice_number": ["no such invoice"]
        for i, (n, _) in enumerate(cmd.allocations)
        if n not in invoices
    }
    if unknown:
        raise RuleViolation(
            "an allocation names an invoice that does not exist", code="UNKNOWN_INVOICE", errors=unknown
        )
    return [Allocation(invoices[number], amount) for number, amount in cmd.allocations]


def receive_payment(db: Database, cmd: ReceivePayment, actor: Actor) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        payment = Payment(
            cmd.customer_id, cmd.currency, cmd.amount, _rate(session, cmd), cmd.received_on, cmd.reference
        )
        allocations = _allocations(session, cmd)
        check_allocations(cmd.customer_id, cmd.currency, cmd.amount, allocations)
        allocated = sum((a.amount for a in allocations), ZERO)
        now = utcnow()
        payment_id, number = store.add_payment(
            session,
            {
                "customer_id": cmd.customer_id,
                "currency": cmd.currency,
                "amount": cmd.amount,
                "rate": payment.rate,
                "unallocated": cmd.amount - allocated,
                "received_on": cmd.received_on,
                "reference": cmd.reference,
                "entry_id": 0,
                "created_by": actor.username,
                "created_at": now,
            },
        )
        entry_id = _post(session, payment, allocations, payment_id, number, actor)
        store.set_entry(session, payment_id, entry_id)
        _settle(session, payment_id, payment.rate, allocations, entry_id, now)
        _announce(session, payment, payment_id, number, allocations, now)
        found = store.payment(session, payment_id)
        assert found is not None
        return found

    return run_command(db, work)


def _post(
    session: Session, payment: Payment, allocations: list[Allocation], payment_id: int, number: str, actor: Actor
) -> int:
    memo = f"{number} from customer {payment.customer_id}"
    lines = payment_entry_lines(payment, allocations, RoleAccounts(session), memo)
    entry = JournalEntry(payment.received_on, f"customer payment {memo}", payment_source(payment_id, number), lines)
    entry_id = post_entry(session, entry, posted_by=actor.username)
    assert entry_id is not None  # a new payment's source is new
    return entry_id


def _settle(
    session: Session, payment_id: int, rate: Decimal, allocations: list[Allocation], entry_id: int, now: Any
) -> None:
    for a in allocations:
        store.settle(session, a.invoice.receivable_id, a.amount)
    store.add_allocations(
        session,
        [
            {
                "payment_id": payment_id,
                "receivable_id": a.invoice.receivable_id,
                "amount": a.amount,
                "invoice_rate": a.invoice.rate,
                "payment_rate": rate,
                "fx_difference": a.fx_difference(rate),
                "entry_id": entry_id,
                "created_at": now,
            }
            for a in allocations
        ],
    )


def _announce(
    session: Session, payment: Payment, payment_id: int, number: str, allocations: list[Allocation], now: Any
) -> None:
    allocated = sum((a.amount for a in allocations), ZERO)
    data = {
        "payment_id": str(payment_id),
        "number": number,
        "customer_id": payment.customer_id,
        "currency": payment.currency,
        "amount": payment.amount,
        "rate": payment.rate,
        "received_on": payment.received_on,
        "allocations": [{"invoice_number": a.invoice.number, "amount": a.amount} for a in allocations],
        "unallocated": payment.amount - allocated,
    }
    record_event(session, PAYMENT_RECEIVED_V1, data, source=SERVICE_NAME, subject=number)
    move_balance(session, payment.customer_id, payment.currency, -payment.amount, now)


def get_payment(db: Database, payment_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        found = store.payment(session, payment_id)
    if found is None:
        raise NotFound(f"customer payment {payment_id} does not exist", code="PAYMENT_NOT_FOUND")
    return found
