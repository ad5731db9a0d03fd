"""The receivables subledger's tables (应收): customer invoices and credit notes, and each customer's balance.

Beside the journal (adapters/tables.py, the same metadata): the journal says what the books hold, these say
which documents make up a customer's receivable, for payments, aging and sales' credit control.
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Date, Index, Integer, String, Table, Text

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime
from psi_finance.adapters.tables import metadata

#: Customer invoices (INV-000001, from a shipment) and credit notes (CN-000001, from a customer return).
receivables = Table(
    "receivables",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("kind", String(16), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("customer_code", String(64), nullable=True),
    Column("order_number", String(64), nullable=False),
    Column("document_ref", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", ExactDecimal(), nullable=False),
    Column("net_amount", ExactDecimal(), nullable=False),
    Column("tax_amount", ExactDecimal(), nullable=False),
    Column("total_amount", ExactDecimal(), nullable=False),
    Column("base_total_amount", ExactDecimal(), nullable=False),
    Column("open_amount", ExactDecimal(), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("source_event_id", String(64), nullable=False, unique=True),
    Column("entry_id", BigId, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("kind IN ('invoice', 'credit_note')", name="ck_receivables_kind"),
    CheckConstraint("open_amount >= 0 AND open_amount <= total_amount", name="ck_receivables_open"),
    Index("ix_receivables_customer", "customer_id", "id"),
)

#: What each customer owes now, in their currency; ``version`` is published with every change.
customer_balances = Table(
    "customer_balances",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("open_receivables", ExactDecimal(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: Events finance cannot post yet (a foreign-currency document without an exchange rate for its date): kept
#: whole, counted, and posted when the rate is set; never dropped and never dead-lettered.
parked_events = Table(
    "parked_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("data", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("parked_at", UTCDateTime(), nullable=False),
)
