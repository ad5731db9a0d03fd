"""Sales' events that finance posts (queue ``psi.finance.on_sales_events``): customer invoices and credit notes.

A shipment (``sales.OrderShipped.v1``) is invoiced from the prices on its lines, a customer return
(``sales.ReturnReceived.v1``) credited at the price it was sold at: the journal entry (domain/posting_rules.py),
the receivable document (INV-/CN-, domain/receivables.py) and the customer's new balance commit together with
the inbox claim, and are announced with ``finance.InvoiceIssued.v1`` and ``finance.CustomerBalanceChanged.v1``.

A document in a currency other than the base currency takes the exchange rate of its date from finance's table
(domain/exchange_rates.py); when the table holds none for that date yet, the event is parked whole
(``parked_events``, counted) instead of being posted at a guessed rate, and posted when a rate that covers it is set
(:func:`post_parked`, service/exchange_rates.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import after_commit
from psi_chassis.outbox import record_event
from psi_chassis.service import Event, PoisonMessage
from psi_chassis.types import utcnow
from psi_contracts.events import decode_data, encode_data
from psi_contracts.events.finance import INVOICE_ISSUED_V1
from psi_contracts.events.sales import ORDER_SHIPPED_V1, RETURN_RECEIVED_V1
from psi_finance import config, metrics
from psi_finance.adapters import exchange_rates as rates
from psi_finance.adapters import receivables as store
from psi_finance.config import SERVICE_NAME
from psi_finance.domain.journal import JournalEntry
from psi_finance.domain.posting_rules import (
    MissingFigures,
    SalesDocument,
    business_date,
    credit_note,
    customer_invoice,
    sales_document,
)
from psi_finance.domain.receivables import ReceivableKind, balance_change, due_date
from psi_finance.service.customer_balances import move_balance
from psi_finance.service.journal import post_entry
from psi_finance.service.on_inventory_events import POSTED_BY, RoleAccounts

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Kind:
    kind: ReceivableKind
    rule: Callable[[str, str, Mapping[str, Any], Any, SalesDocument], JournalEntry | None]
    when: str
    document: str


_INVOICE = _Kind(ReceivableKind.INVOICE, customer_invoice, "shipped_at", "shipment_number")
_CREDIT_NOTE = _Kind(ReceivableKind.CREDIT_NOTE, credit_note, "received_at", "return_number")


def on_order_shipped(session: Session, event: Event) -> None:
    """Invoice the shipment: Dr Receivables / Cr Revenue, Cr VAT output; INV-...; the customer's balance up."""
    _issue(session, event, _INVOICE)


def on_return_received(session: Session, event: Event) -> None:
    """Credit the return: Dr Sales returns, Dr VAT output / Cr Receivables; CN-...; the customer's balance down."""
    _issue(session, event, _CREDIT_NOTE)


def _issue(session: Session, event: Event, kind: _Kind) -> bool:
    """Post the document; False when it waits (parked) for the exchange rate of its date."""
    data = event.data
    base = config.base_currency()
    currency = data.get("currency") or base
    on = business_date(data[kind.when])
    rate = Decimal(1) if currency == base else rates.rate_on(session, currency, on)
    if rate is None:
        _park(session, event, f"no exchange rate for {currency} on {on.isoformat()} (the base currency is {base})")
        return False
    try:
        document = sales_document(data["lines"], currency, rate)
        entry = kind.rule(event.type, event.id, data, RoleAccounts(session), document)
    except MissingFigures as exc:  # a producer that does not fill the fields sales always fills: a person looks
        raise PoisonMessage(f"{event.type} {event.id}: {exc}") from exc
    if entry is None:
        return True
    entry_id = post_entry(session, entry, posted_by=POSTED_BY)
    if entry_id is not None:  # else posted already (the journal's unique source): nothing more to do
        _document(session, event, kind, document, entry_id, utcnow())
    return True


_KINDS = {ORDER_SHIPPED_V1: _INVOICE, RETURN_RECEIVED_V1: _CREDIT_NOTE}


def post_parked(session: Session, now: datetime) -> int:
    """Post every parked document whose exchange rate is now in the table (inside the caller's transaction, the
    one that set the rate); returns how many were posted. The others stay parked."""
    posted = 0
    for row in rates.parked(session):
        kind = _KINDS.get(row.event_type)
        if kind is None:
            continue
        event = Event(row.event_id, row.event_type, "parked", now, decode_data(row.event_type, row.data))
        if _issue(session, event, kind):
            rates.unpark(session, row.event_id)
            posted += 1
    return posted


def _document(
    session: Session, event: Event, kind: _Kind, document: SalesDocument, entry_id: int, now: datetime
) -> None:
    data = event.data
    issued_on = business_date(data[kind.when])
    due_on = due_date(kind.kind, issued_on, data.get("payment_terms_days"))
    values = {
        "customer_id": data["customer_id"],
        "customer_code": data.get("customer_code"),
        "order_number": data["order_number"],
        "document_ref": data[kind.document],
        "currency": document.currency,
        "rate": document.rate,
        "net_amount": document.net,
        "tax_amount": document.tax,
        "total_amount": document.gross,
        "base_total_amount": document.base_gross,
        "open_amount": document.gross,
        "issued_on": issued_on,
        "due_on": due_on,
        "source_event_id": event.id,
        "entry_id": entry_id,
        "created_at": now,
    }
    receivable_id, number = store.add_receivable(session, kind.kind, values)
    issued = {
        "invoice_id": str(receivable_id),
        "number": number,
        "kind": str(kind.kind),
        **{k: values[k] for k in ("customer_id", "order_number", "document_ref", "issued_on", "due_on", "currency")},
        "net_amount": document.net,
        "tax_amount": document.tax,
        "total_amount": document.gross,
        "base_total_amount": document.base_gross,
    }
    record_event(session, INVOICE_ISSUED_V1, issued, source=SERVICE_NAME, subject=number)
    move_balance(session, data["customer_id"], document.currency, balance_change(kind.kind, document.gross), now)


def _park(session: Session, event: Event, reason: str) -> None:
    wire = encode_data(event.type, event.data)
    if event.source != "parked" and store.park(session, event.id, event.type, wire, reason, utcnow()):
        _log.warning("parked %s %s: %s", event.type, event.id, reason)
        after_commit(session, metrics.EVENTS_PARKED.labels(event.type).inc)
