"""Sales issue 11, pricing: price lists with quantity breaks, discount rules (class, quantity, promotion).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_lists",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column(
            "class_code",
            sa.String(32),
            sa.ForeignKey("customer_classes.code", name="fk_price_lists_class"),
            nullable=True,
        ),
        sa.Column("customer_id", BigId, sa.ForeignKey("customers.id", name="fk_price_lists_customer"), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("scope IN ('general', 'class', 'customer')", name="ck_price_lists_scope"),
    )
    op.create_index("ix_price_lists_currency", "price_lists", ["currency"])
    op.create_table(
        "price_list_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "price_list_id",
            BigId,
            sa.ForeignKey("price_lists.id", name="fk_price_list_lines_list"),
            nullable=False,
        ),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("min_quantity", ExactDecimal(), nullable=False),
        sa.Column("unit_price", ExactDecimal(), nullable=False),
        sa.UniqueConstraint("price_list_id", "sku", "min_quantity", name="uq_price_list_lines"),
        sa.CheckConstraint("unit_price >= 0 AND min_quantity > 0", name="ck_price_list_lines_figures"),
    )
    op.create_index("ix_price_list_lines_sku", "price_list_lines", ["sku"])
    op.create_table(
        "discount_rules",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("percent", ExactDecimal(), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column(
            "class_code",
            sa.String(32),
            sa.ForeignKey("customer_classes.code", name="fk_discount_rules_class"),
            nullable=True,
        ),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("min_quantity", ExactDecimal(), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('class_discount', 'quantity_break', 'promotion')", name="ck_discount_rules_kind"),
        sa.CheckConstraint("percent > 0 AND percent <= 100", name="ck_discount_rules_percent"),
    )


def downgrade() -> None:
    op.drop_table("discount_rules")
    op.drop_table("price_list_lines")
    op.drop_table("price_lists")
