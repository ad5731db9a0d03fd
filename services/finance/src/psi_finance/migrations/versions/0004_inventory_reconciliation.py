"""Finance issue 12, inventory reconciliation: the warehouse replica and the stated/posted value changes.

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
        "warehouses",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("valuation_method", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "inventory_value_changes",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("document_ref", sa.String(64), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("stated", ExactDecimal(), nullable=False),
        sa.Column("posted", ExactDecimal(), nullable=False),
        sa.Column("entry_id", BigId, nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_inventory_value_changes_warehouse", "inventory_value_changes", ["warehouse_code", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_inventory_value_changes_warehouse", table_name="inventory_value_changes")
    op.drop_table("inventory_value_changes")
    op.drop_table("warehouses")
