"""Inventory's tables. The ledger (stock_moves) is append-only; balances are a projection of it."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from psi_chassis.types import BigId as _BigId
from psi_chassis.types import ExactDecimal, UTCDateTime

metadata = MetaData()

stock_moves = Table(
    "stock_moves",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("unit_cost", ExactDecimal(), nullable=False),
    Column("value", ExactDecimal(), nullable=False),
    Column("source_event_id", String(64), nullable=True),
    Column("source_line", Integer, nullable=True),
    Column("document_ref", String(64), nullable=True),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    CheckConstraint("quantity <> 0", name="ck_stock_moves_nonzero"),
    # A second guard behind the inbox: one event line can produce one move of each kind, never two.
    UniqueConstraint("source_event_id", "source_line", "kind", name="uq_stock_moves_source"),
)
Index("ix_stock_moves_sku_wh_time", stock_moves.c.sku, stock_moves.c.warehouse_code, stock_moves.c.occurred_at)

stock_balances = Table(
    "stock_balances",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("warehouse_code", String(32), primary_key=True),
    Column("on_hand", ExactDecimal(), nullable=False),
    Column("reserved", ExactDecimal(), nullable=False),
    Column("value", ExactDecimal(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("on_hand >= 0", name="ck_stock_balances_on_hand"),
    CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="ck_stock_balances_reserved"),
)
