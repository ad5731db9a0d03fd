"""Finance issue 12, receivables: customer invoices and credit notes, customer balances, parked events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receivables",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("customer_code", sa.String(64), nullable=True),
        sa.Column("order_number", sa.String(64), nullable=False),
        sa.Column("document_ref", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rate", ExactDecimal(), nullable=False),
        sa.Column("net_amount", ExactDecimal(), nullable=False),
        sa.Column("tax_amount", ExactDecimal(), nullable=False),
        sa.Column("total_amount", ExactDecimal(), nullable=False),
        sa.Column("base_total_amount", ExactDecimal(), nullable=False),
        sa.Column("open_amount", ExactDecimal(), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name="ck_receivables_kind"),
        sa.CheckConstraint("open_amount >= 0 AND open_amount <= total_amount", name="ck_receivables_open"),
    )
    op.create_index("ix_receivables_customer", "receivables", ["customer_id", "id"])
    op.create_table(
        "customer_balances",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("open_receivables", ExactDecimal(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "parked_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("parked_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("parked_events")
    op.drop_table("customer_balances")
    op.drop_index("ix_receivables_customer", table_name="receivables")
    op.drop_table("receivables")
