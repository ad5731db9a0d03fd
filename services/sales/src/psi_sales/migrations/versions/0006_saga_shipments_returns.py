"""Sales issue 11, after confirmation: the saga's state on the order, credit decisions, receivables from finance,
shipments and customer returns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _order_columns() -> None:
    op.add_column("sales_orders", sa.Column("confirmed_at", UTCDateTime(), nullable=True))
    op.add_column("sales_orders", sa.Column("reservation_requested_at", UTCDateTime(), nullable=True))
    op.add_column("sales_orders", sa.Column("reservation_answered_at", UTCDateTime(), nullable=True))
    op.add_column("sales_orders", sa.Column("short_lines", sa.JSON, nullable=True))
    op.add_column("sales_orders", sa.Column("quotation_id", BigId, nullable=True))
    op.add_column("sales_orders", sa.Column("cancel_reason", sa.Text, nullable=True))


def _credit() -> None:
    op.create_table(
        "credit_decisions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "order_id", BigId, sa.ForeignKey("sales_orders.id", name="fk_credit_decisions_order"), nullable=False
        ),
        sa.Column("customer_id", BigId, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("exposure_before", ExactDecimal(), nullable=False),
        sa.Column("order_amount", ExactDecimal(), nullable=False),
        sa.Column("credit_limit", ExactDecimal(), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("action IN ('passed', 'held', 'released')", name="ck_credit_decisions_action"),
    )
    op.create_index("ix_credit_decisions_order", "credit_decisions", ["order_id", "id"])
    op.create_table(
        "customer_balances",
        sa.Column("customer_id", BigId, primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("open_receivables", ExactDecimal(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def _shipments() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("order_id", BigId, sa.ForeignKey("sales_orders.id", name="fk_shipments_order"), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("carrier", sa.String(100), nullable=True),
        sa.Column("tracking_number", sa.String(100), nullable=True),
        sa.Column("shipped_at", UTCDateTime(), nullable=False),
        sa.Column("refusal", sa.JSON, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('shipped', 'refused')", name="ck_shipments_status"),
    )
    op.create_index("ix_shipments_order", "shipments", ["order_id", "id"])
    op.create_table(
        "shipment_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "shipment_id", BigId, sa.ForeignKey("shipments.id", name="fk_shipment_lines_shipment"), nullable=False
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.UniqueConstraint("shipment_id", "line_no", name="uq_shipment_lines"),
        sa.CheckConstraint("quantity > 0", name="ck_shipment_lines_quantity"),
    )


def _returns() -> None:
    op.create_table(
        "sales_returns",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("order_id", BigId, sa.ForeignKey("sales_orders.id", name="fk_sales_returns_order"), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("net_amount", ExactDecimal(), nullable=False),
        sa.Column("tax_amount", ExactDecimal(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sales_returns_order", "sales_returns", ["order_id", "id"])
    op.create_table(
        "sales_return_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "return_id", BigId, sa.ForeignKey("sales_returns.id", name="fk_sales_return_lines_return"), nullable=False
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("order_line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("condition", sa.String(16), nullable=False),
        sa.Column("unit_price", ExactDecimal(), nullable=False),
        sa.Column("tax_rate", ExactDecimal(), nullable=False),
        sa.UniqueConstraint("return_id", "line_no", name="uq_sales_return_lines"),
        sa.CheckConstraint("quantity > 0", name="ck_sales_return_lines_quantity"),
        sa.CheckConstraint("condition IN ('resaleable', 'damaged')", name="ck_sales_return_lines_condition"),
    )


def upgrade() -> None:
    _order_columns()
    _credit()
    _shipments()
    _returns()


def downgrade() -> None:
    for table in ("sales_return_lines", "sales_returns", "shipment_lines", "shipments"):
        op.drop_table(table)
    op.drop_table("customer_balances")
    op.drop_table("credit_decisions")
    for column in ("cancel_reason", "quotation_id", "short_lines", "reservation_answered_at"):
        op.drop_column("sales_orders", column)
    op.drop_column("sales_orders", "reservation_requested_at")
    op.drop_column("sales_orders", "confirmed_at")
