"""Purchasing's tables (the outbox and inbox come from the chassis, see migrations/versions/0001_initial.py).

Document numbers (PO-000001, GRN-000001) are derived from the id, so they are written by an UPDATE right after
the INSERT in the same transaction; no other transaction ever sees the row without its number.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
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
# Inspection splits what arrived into accepted and rejected; nothing is lost or counted twice.
_INSPECTED = (
    "accepted_quantity >= 0 AND rejected_quantity >= 0"
    " AND accepted_quantity + rejected_quantity = received_quantity"
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("code", name="uq_suppliers_code"),
    CheckConstraint("payment_terms_days >= 0", name="ck_suppliers_payment_terms"),
    CheckConstraint("status IN ('active', 'blocked')", name="ck_suppliers_status"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True),
    Column(
        "supplier_id", _BigId, ForeignKey("suppliers.id", name="fk_purchase_orders_supplier"), nullable=False
    ),
    Column("warehouse_code", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("exchange_rate", ExactDecimal(), nullable=False),
    Column("expected_date", Date, nullable=True),
    Column("status", String(32), nullable=False),
    Column("total_amount", ExactDecimal(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("approved_at", UTCDateTime(), nullable=True),
    UniqueConstraint("number", name="uq_purchase_orders_number"),
    CheckConstraint("exchange_rate > 0", name="ck_purchase_orders_exchange_rate"),
    CheckConstraint(
        "status IN ('draft', 'approved', 'partially_received', 'received')", name="ck_purchase_orders_status"
    ),
)
Index("ix_purchase_orders_supplier", purchase_orders.c.supplier_id)
Index("ix_purchase_orders_status", purchase_orders.c.status)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column(
        "po_id", _BigId, ForeignKey("purchase_orders.id", name="fk_purchase_order_lines_po"), nullable=False
    ),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("received_quantity", ExactDecimal(), nullable=False),
    Column("accepted_quantity", ExactDecimal(), nullable=False),
    Column("rejected_quantity", ExactDecimal(), nullable=False),
    UniqueConstraint("po_id", "line_no", name="uq_purchase_order_lines_line"),
    CheckConstraint("quantity > 0", name="ck_purchase_order_lines_quantity"),
    CheckConstraint("unit_price >= 0", name="ck_purchase_order_lines_unit_price"),
    # The last guard against over-receipt, behind the domain rule and the row lock on the order.
    CheckConstraint(
        "received_quantity >= 0 AND received_quantity <= quantity", name="ck_purchase_order_lines_received"
    ),
    CheckConstraint(
        _INSPECTED,
        name="ck_purchase_order_lines_inspected",
    ),
)

goods_receipts = Table(
    "goods_receipts",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True),
    Column("po_id", _BigId, ForeignKey("purchase_orders.id", name="fk_goods_receipts_po"), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # The id of the purchasing.GoodsReceived.v1 event written to the outbox with this receipt.
    Column("event_id", String(64), nullable=True),
    UniqueConstraint("number", name="uq_goods_receipts_number"),
)
Index("ix_goods_receipts_po", goods_receipts.c.po_id)

goods_receipt_lines = Table(
    "goods_receipt_lines",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column(
        "receipt_id",
        _BigId,
        ForeignKey("goods_receipts.id", name="fk_goods_receipt_lines_receipt"),
        nullable=False,
    ),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("received_quantity", ExactDecimal(), nullable=False),
    Column("accepted_quantity", ExactDecimal(), nullable=False),
    Column("rejected_quantity", ExactDecimal(), nullable=False),
    Column("reject_reason", String(500), nullable=True),
    Column("unit_cost", ExactDecimal(), nullable=False),
    Column("unit_cost_base", ExactDecimal(), nullable=False),
    UniqueConstraint("receipt_id", "line_no", name="uq_goods_receipt_lines_line"),
    CheckConstraint("received_quantity > 0", name="ck_goods_receipt_lines_received"),
    CheckConstraint(
        _INSPECTED,
        name="ck_goods_receipt_lines_inspected",
    ),
)
