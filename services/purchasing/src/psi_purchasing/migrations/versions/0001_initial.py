"""Initial schema: outbox, inbox, suppliers, purchase orders and goods receipts.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.messaging_tables import create_messaging_tables, drop_messaging_tables
from psi_chassis.types import BigId as _BigId
from psi_chassis.types import ExactDecimal, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_INSPECTED = (
    "accepted_quantity >= 0 AND rejected_quantity >= 0 AND accepted_quantity + rejected_quantity = received_quantity"
)


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "suppliers",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("code", name="uq_suppliers_code"),
        sa.CheckConstraint("payment_terms_days >= 0", name="ck_suppliers_payment_terms"),
        sa.CheckConstraint("status IN ('active', 'blocked')", name="ck_suppliers_status"),
    )
    op.create_table(
        "purchase_orders",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column(
            "supplier_id",
            _BigId,
            sa.ForeignKey("suppliers.id", name="fk_purchase_orders_supplier"),
            nullable=False,
        ),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("exchange_rate", ExactDecimal(), nullable=False),
        sa.Column("expected_date", sa.Date, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("total_amount", ExactDecimal(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("number", name="uq_purchase_orders_number"),
        sa.CheckConstraint("exchange_rate > 0", name="ck_purchase_orders_exchange_rate"),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'partially_received', 'received')",
            name="ck_purchase_orders_status",
        ),
    )
    op.create_index("ix_purchase_orders_supplier", "purchase_orders", ["supplier_id"])
    op.create_index("ix_purchase_orders_status", "purchase_orders", ["status"])
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "po_id",
            _BigId,
            sa.ForeignKey("purchase_orders.id", name="fk_purchase_order_lines_po"),
            nullable=False,
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("unit_price", ExactDecimal(), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("received_quantity", ExactDecimal(), nullable=False),
        sa.Column("accepted_quantity", ExactDecimal(), nullable=False),
        sa.Column("rejected_quantity", ExactDecimal(), nullable=False),
        sa.UniqueConstraint("po_id", "line_no", name="uq_purchase_order_lines_line"),
        sa.CheckConstraint("quantity > 0", name="ck_purchase_order_lines_quantity"),
        sa.CheckConstraint("unit_price >= 0", name="ck_purchase_order_lines_unit_price"),
        sa.CheckConstraint(
            "received_quantity >= 0 AND received_quantity <= quantity",
            name="ck_purchase_order_lines_received",
        ),
        sa.CheckConstraint(_INSPECTED, name="ck_purchase_order_lines_inspected"),
    )
    op.create_table(
        "goods_receipts",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("po_id", _BigId, sa.ForeignKey("purchase_orders.id", name="fk_goods_receipts_po"), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.UniqueConstraint("number", name="uq_goods_receipts_number"),
    )
    op.create_index("ix_goods_receipts_po", "goods_receipts", ["po_id"])
    op.create_table(
        "goods_receipt_lines",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "receipt_id",
            _BigId,
            sa.ForeignKey("goods_receipts.id", name="fk_goods_receipt_lines_receipt"),
            nullable=False,
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("received_quantity", ExactDecimal(), nullable=False),
        sa.Column("accepted_quantity", ExactDecimal(), nullable=False),
        sa.Column("rejected_quantity", ExactDecimal(), nullable=False),
        sa.Column("reject_reason", sa.String(500), nullable=True),
        sa.Column("unit_cost", ExactDecimal(), nullable=False),
        sa.Column("unit_cost_base", ExactDecimal(), nullable=False),
        sa.UniqueConstraint("receipt_id", "line_no", name="uq_goods_receipt_lines_line"),
        sa.CheckConstraint("received_quantity > 0", name="ck_goods_receipt_lines_received"),
        sa.CheckConstraint(_INSPECTED, name="ck_goods_receipt_lines_inspected"),
    )


def downgrade() -> None:
    op.drop_table("goods_receipt_lines")
    op.drop_index("ix_goods_receipts_po", table_name="goods_receipts")
    op.drop_table("goods_receipts")
    op.drop_table("purchase_order_lines")
    op.drop_index("ix_purchase_orders_status", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_supplier", table_name="purchase_orders")
    op.drop_table("purchase_orders")
    op.drop_table("suppliers")
    drop_messaging_tables(op)
