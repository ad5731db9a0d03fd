"""Initial schema: outbox, inbox, stock ledger and balances.

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


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "stock_moves",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("unit_cost", ExactDecimal(), nullable=False),
        sa.Column("value", ExactDecimal(), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=True),
        sa.Column("source_line", sa.Integer, nullable=True),
        sa.Column("document_ref", sa.String(64), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("quantity <> 0", name="ck_stock_moves_nonzero"),
        sa.UniqueConstraint("source_event_id", "source_line", "kind", name="uq_stock_moves_source"),
    )
    op.create_index("ix_stock_moves_sku_wh_time", "stock_moves", ["sku", "warehouse_code", "occurred_at"])
    op.create_table(
        "stock_balances",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("warehouse_code", sa.String(32), primary_key=True),
        sa.Column("on_hand", ExactDecimal(), nullable=False),
        sa.Column("reserved", ExactDecimal(), nullable=False),
        sa.Column("value", ExactDecimal(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("on_hand >= 0", name="ck_stock_balances_on_hand"),
        sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="ck_stock_balances_reserved"),
    )


def downgrade() -> None:
    op.drop_table("stock_balances")
    op.drop_index("ix_stock_moves_sku_wh_time", table_name="stock_moves")
    op.drop_table("stock_moves")
    drop_messaging_tables(op)
