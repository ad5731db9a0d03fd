"""Sales issue 11, orders: sales orders and their priced lines.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sales_orders",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("customer_id", BigId, sa.ForeignKey("customers.id", name="fk_sales_orders_customer"), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("order_date", sa.Date, nullable=False),
        sa.Column("salesperson", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("net_amount", ExactDecimal(), nullable=False),
        sa.Column("tax_amount", ExactDecimal(), nullable=False),
        sa.Column("total_amount", ExactDecimal(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sales_orders_customer", "sales_orders", ["customer_id", "id"])
    op.create_index("ix_sales_orders_status", "sales_orders", ["status", "id"])
    op.create_table(
        "sales_order_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "order_id", BigId, sa.ForeignKey("sales_orders.id", name="fk_sales_order_lines_order"), nullable=False
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("list_price", ExactDecimal(), nullable=False),
        sa.Column("price_list_id", BigId, nullable=False),
        sa.Column("discounts", sa.JSON, nullable=False),
        sa.Column("manual_discount_percent", ExactDecimal(), nullable=False),
        sa.Column("unit_price", ExactDecimal(), nullable=False),
        sa.Column("tax_rate", ExactDecimal(), nullable=False),
        sa.Column("requested_date", sa.Date, nullable=True),
        sa.Column("shipped_quantity", ExactDecimal(), nullable=False),
        sa.Column("returned_quantity", ExactDecimal(), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.UniqueConstraint("order_id", "line_no", name="uq_sales_order_lines"),
        sa.CheckConstraint("quantity > 0 AND tax_rate >= 0 AND tax_rate <= 1", name="ck_sales_order_lines_figures"),
    )


def downgrade() -> None:
    op.drop_table("sales_order_lines")
    op.drop_table("sales_orders")
