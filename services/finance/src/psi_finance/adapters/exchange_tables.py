"""The exchange-rate table and the payments' tables (the same metadata as adapters/tables.py)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime
from psi_finance.adapters.tables import metadata

#: Rates by currency and date (base-currency units per unit), corrected by a higher version, never deleted.
exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("rate", ExactDecimal(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("currency", "valid_from", name="pk_exchange_rates"),
    CheckConstraint("rate > 0", name="ck_exchange_rates_rate"),
)

#: Customer payments (收款), PAY-000001: the money received, in its currency and in the base currency.
customer_payments = Table(
    "customer_payments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("customer_id", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("rate", ExactDecimal(), nullable=False),
    Column("unallocated", ExactDecimal(), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("reference", String(100), nullable=True),
    Column("entry_id", BigId, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("amount > 0 AND unallocated >= 0 AND unallocated <= amount", name="ck_customer_payments_amounts"),
    Index("ix_customer_payments_customer", "customer_id", "id"),
)

#: Which part of a payment settled which invoice, at which rates (the realised FX difference is posted with it).
payment_allocations = Table(
    "payment_allocations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("payment_id", BigId, nullable=False),
    Column("receivable_id", BigId, nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("invoice_rate", ExactDecimal(), nullable=False),
    Column("payment_rate", ExactDecimal(), nullable=False),
    Column("fx_difference", ExactDecimal(), nullable=False),
    Column("entry_id", BigId, nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("amount > 0", name="ck_payment_allocations_amount"),
    Index("ix_payment_allocations_receivable", "receivable_id"),
)
