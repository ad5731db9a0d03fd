"""Sales issue 11, customers: customer classes, customers with contacts and addresses, the status log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_classes",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "customers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "class_code",
            sa.String(32),
            sa.ForeignKey("customer_classes.code", name="fk_customers_class"),
            nullable=True,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("credit_limit", ExactDecimal(), nullable=True),
        sa.Column("salesperson", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("contacts", sa.JSON, nullable=False),
        sa.Column("billing_address", sa.JSON, nullable=True),
        sa.Column("shipping_address", sa.JSON, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("payment_terms_days >= 0", name="ck_customers_payment_terms"),
        sa.CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="ck_customers_credit_limit"),
        sa.CheckConstraint("status IN ('active', 'on_hold', 'blocked')", name="ck_customers_status"),
        sa.CheckConstraint("channel IN ('store', 'web', 'marketplace', 'wholesale')", name="ck_customers_channel"),
    )
    op.create_index("ix_customers_class", "customers", ["class_code"])
    op.create_index("ix_customers_salesperson", "customers", ["salesperson"])
    op.create_table(
        "customer_status_changes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "customer_id",
            BigId,
            sa.ForeignKey("customers.id", name="fk_status_changes_customer"),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_customer_status_changes_customer", "customer_status_changes", ["customer_id", "id"])


def downgrade() -> None:
    op.drop_table("customer_status_changes")
    op.drop_table("customers")
    op.drop_table("customer_classes")
