"""Inventory's tables. The ledger (stock_moves) is append-only; balances and cost layers are projections of it
that ``rebuild_balances`` can recompute and compare."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

metadata = MetaData()
_ZERO = text("0")

items = Table(
    "items",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_of_measure", String(16), nullable=False),
    Column("category", String(64), nullable=True),
    Column("barcode", String(64), nullable=True, unique=True),
    Column("reorder_point", ExactDecimal(), nullable=True),
    Column("reorder_quantity", ExactDecimal(), nullable=True),
    Column("safety_stock", ExactDecimal(), nullable=False, server_default=_ZERO),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("valuation_method", String(16), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),  # 1 on creation, +1 per change
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("valuation_method IN ('moving_average', 'fifo')", name="ck_warehouses_method"),
)

stock_moves = Table(
    "stock_moves",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("unit_cost", ExactDecimal(), nullable=False),
    Column("value", ExactDecimal(), nullable=False),  # signed, moving average
    Column("value_fifo", ExactDecimal(), nullable=False, server_default=_ZERO),  # signed, FIFO
    Column("source_event_id", String(64), nullable=True),
    Column("source_line", Integer, nullable=True),
    Column("document_ref", String(64), nullable=True),
    Column("reason_code", String(32), nullable=True),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    CheckConstraint("quantity <> 0", name="ck_stock_moves_nonzero"),
    UniqueConstraint("source_event_id", "source_line", "kind", name="uq_stock_moves_source"),
)
Index("ix_stock_moves_sku_wh_time", stock_moves.c.sku, stock_moves.c.warehouse_code, stock_moves.c.occurred_at)
Index("ix_stock_moves_document", stock_moves.c.document_ref)
Index("ix_stock_moves_source_event", stock_moves.c.source_event_id)

stock_balances = Table(
    "stock_balances",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("warehouse_code", String(32), primary_key=True),
    Column("on_hand", ExactDecimal(), nullable=False),
    Column("reserved", ExactDecimal(), nullable=False),
    Column("value", ExactDecimal(), nullable=False),
    Column("value_fifo", ExactDecimal(), nullable=False, server_default=_ZERO),
    Column("below_reorder", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("on_hand >= 0", name="ck_stock_balances_on_hand"),
    # Reserved may exceed on hand: a stocktake that counted less than is reserved is posted all the same, and the
    # reservations it leaves short are announced (inventory.ReservationShortfall.v1).
    CheckConstraint("reserved >= 0", name="ck_stock_balances_reserved"),
)

cost_layers = Table(
    "cost_layers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("move_id", BigId, ForeignKey("stock_moves.id"), nullable=False),
    Column("original_quantity", ExactDecimal(), nullable=False),
    Column("remaining", ExactDecimal(), nullable=False),
    Column("unit_cost", ExactDecimal(), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    # The purchase order line a receipt layer came from, so a supplier return takes its own goods back.
    Column("po_number", String(64), nullable=True),
    Column("po_line", Integer, nullable=True),
    CheckConstraint("remaining >= 0 AND remaining <= original_quantity", name="ck_cost_layers_remaining"),
)
Index("ix_cost_layers_open", cost_layers.c.sku, cost_layers.c.warehouse_code, cost_layers.c.id)

reservations = Table(
    "reservations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("reference", String(64), nullable=False),  # the order id (or a caller's reference)
    # The order revision it was reserved for (sales.OrderConfirmed.v1); 1 through the API. Only one revision of a
    # reference has active rows: a higher one releases the older one's first.
    Column("revision", Integer, nullable=False, server_default=text("1")),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("consumed", ExactDecimal(), nullable=False, server_default=_ZERO),
    Column("status", String(16), nullable=False),  # active, released, consumed
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("reference", "revision", "line_no", name="uq_reservations_revision_line"),
    CheckConstraint("consumed >= 0 AND consumed <= quantity", name="ck_reservations_consumed"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # transfer, stocktake, adjustment
    Column("number", String(32), nullable=True, unique=True),
    Column("status", String(16), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("to_warehouse_code", String(32), nullable=True),
    Column("reason_code", String(32), nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

document_lines = Table(
    "document_lines",
    metadata,
    Column("document_id", BigId, ForeignKey("documents.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=True),  # transfer/adjustment quantity; stocktake: counted
    Column("book_quantity", ExactDecimal(), nullable=True),  # stocktake snapshot
    Column("value", ExactDecimal(), nullable=True),  # transfer: value carried (moving average)
    Column("value_fifo", ExactDecimal(), nullable=True),
    Column("layers", Text, nullable=True),  # transfer: FIFO layers carried, JSON [[qty, unit_cost], ...]
    Column("counted_at", UTCDateTime(), nullable=True),  # stocktake: when the line was counted
    Column("counted_book", ExactDecimal(), nullable=True),  # stocktake: the book quantity at counted_at
)

#: Documents of other services that inventory booked or refused (goods receipts, supplier returns, customer
#: returns, shipments): one row per event applied, so a clerk can list them and see why one was refused. The
#: lines of a booked document are its moves (``stock_moves.source_event_id``).
source_documents = Table(
    "source_documents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # receipt, supplier_return, customer_return, shipment
    Column("number", String(64), nullable=False),  # GRN, return or shipment number
    Column("reference", String(64), nullable=True),  # the purchase order or sales order number
    Column("warehouse_code", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # booked, rejected
    Column("reason_code", String(32), nullable=True),
    Column("reason", Text, nullable=True),
    Column("refused_lines", Text, nullable=True),  # JSON, for a rejected document
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("source_event_id", String(64), nullable=False, unique=True),
)
Index("ix_source_documents_kind_time", source_documents.c.kind, source_documents.c.occurred_at)
