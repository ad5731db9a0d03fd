"""Inventory reconciliation's tables: the warehouses (and how each values stock) from inventory's events, and
every stock-value change an inventory event stated beside what the journal posted for it."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime
from psi_finance.adapters.tables import metadata

#: Finance's replica of inventory's warehouses: the valuation method says which value of a transfer is booked.
warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("valuation_method", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: One row per inventory event that changes a warehouse's stock value: stated by the event, posted by the books.
inventory_value_changes = Table(
    "inventory_value_changes",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("document_ref", String(64), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("stated", ExactDecimal(), nullable=False),
    Column("posted", ExactDecimal(), nullable=False),
    Column("entry_id", BigId, nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_inventory_value_changes_warehouse", "warehouse_code", "occurred_at"),
)
