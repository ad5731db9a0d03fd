"""Finance issue 12: exchange rates and payments.

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


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("rate", ExactDecimal(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("currency", "valid_from", name="pk_exchange_rates"),
        sa.CheckConstraint("rate > 0", name="ck_exchange_rates_rate"),
    )
    op.create_table(
        "customer_payments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("rate", ExactDecimal(), nullable=False),
        sa.Column("unallocated", ExactDecimal(), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "amount > 0 AND unallocated >= 0 AND unallocated <= amount", name="ck_customer_payments_amounts"
        ),
    )
    op.create_index("ix_customer_payments_customer", "customer_payments", ["customer_id", "id"])
    op.create_table(
        "payment_allocations",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("payment_id", BigId, nullable=False),
        sa.Column("receivable_id", BigId, nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("invoice_rate", ExactDecimal(), nullable=False),
        sa.Column("payment_rate", ExactDecimal(), nullable=False),
        sa.Column("fx_difference", ExactDecimal(), nullable=False),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_payment_allocations_amount"),
    )
    op.create_index("ix_payment_allocations_receivable", "payment_allocations", ["receivable_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_allocations_receivable", table_name="payment_allocations")
    op.drop_table("payment_allocations")
    op.drop_index("ix_customer_payments_customer", table_name="customer_payments")
    op.drop_table("customer_payments")
    op.drop_table("exchange_rates")
