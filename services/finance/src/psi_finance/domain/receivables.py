"""The receivables subledger's rules (应收): what an invoice or a credit note is, when it falls due, and how it
moves the customer's balance.

* A shipment is invoiced when it ships (the shipment is the delivery the invoice bills), dated the shipping day,
  due ``payment_terms_days`` later (30 when the event does not say). A customer return is a credit note dated the
  day it was received, due at once.
* A customer's balance is what they owe in their currency: open invoices less open credit notes (payments, once
  finance takes them, lower both); it is published with a version one higher per change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

DEFAULT_PAYMENT_TERMS_DAYS = 30


class ReceivableKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


_PREFIX = {ReceivableKind.INVOICE: "INV", ReceivableKind.CREDIT_NOTE: "CN"}


def receivable_number(kind: ReceivableKind, receivable_id: int) -> str:
    """``INV-000001`` or ``CN-000001``: the document's id, at least six digits."""
    return f"{_PREFIX[kind]}-{receivable_id:06d}"


def due_date(kind: ReceivableKind, issued_on: date, payment_terms_days: int | None) -> date:
    if kind is ReceivableKind.CREDIT_NOTE:
        return issued_on
    days = DEFAULT_PAYMENT_TERMS_DAYS if payment_terms_days is None else payment_terms_days
    return issued_on + timedelta(days=days)


def balance_change(kind: ReceivableKind, total: Decimal) -> Decimal:
    """How a new document moves what the customer owes: an invoice up, a credit note down."""
    return total if kind is ReceivableKind.INVOICE else -total


@dataclass(frozen=True)
class CustomerBalance:
    customer_id: str
    currency: str
    open_receivables: Decimal
    version: int
