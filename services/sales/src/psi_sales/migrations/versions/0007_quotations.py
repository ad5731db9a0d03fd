"""Sales issue 11, quotations (报价): quotations and their priced lines, each converted into one order at most.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quotations",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("customer_id", BigId, sa.ForeignKey("customers.id", name="fk_quotations_customer"), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("quote_date", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("salesperson", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("net_amount", ExactDecimal(), nullable=False),
        sa.Column("tax_amount", ExactDecimal(), nullable=False),
        sa.Column("total_amount", ExactDecimal(), nullable=False),
        sa.Column("order_id", BigId, sa.ForeignKey("sales_orders.id", name="fk_quotations_order"), nullable=True),
        sa.Column("cancel_reason", sa.Text, nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'converted', 'cancelled')", name="ck_quotations_status"),
        sa.CheckConstraint("valid_until >= quote_date", name="ck_quotations_validity"),
        sa.CheckConstraint("(status = 'converted') = (order_id IS NOT NULL)", name="ck_quotations_order"),
    )
    op.create_index("ix_quotations_customer", "quotations", ["customer_id", "id"])
    op.create_index("ix_quotations_status", "quotations", ["status", "id"])
    op.create_table(
        "quotation_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "quotation_id", BigId, sa.ForeignKey("quotations.id", name="fk_quotation_lines_quotation"), nullable=False
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("list_price", ExactDecimal(), nullable=False),
        sa.Column("price_list_id", BigId, nullable=False),
        sa.Column("price_list_name", sa.String(200), nullable=False),
        sa.Column("discounts", sa.JSON, nullable=False),
        sa.Column("manual_discount_percent", ExactDecimal(), nullable=False),
        sa.Column("unit_price", ExactDecimal(), nullable=False),
        sa.Column("tax_rate", ExactDecimal(), nullable=False),
        sa.Column("requested_date", sa.Date, nullable=True),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.UniqueConstraint("quotation_id", "line_no", name="uq_quotation_lines"),
        sa.CheckConstraint("quantity > 0 AND tax_rate >= 0 AND tax_rate <= 1", name="ck_quotation_lines_figures"),
    )


def downgrade() -> None:
    op.drop_table("quotation_lines")
    op.drop_table("quotations")
