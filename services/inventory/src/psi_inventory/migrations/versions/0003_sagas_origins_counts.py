"""Issue 8: warehouse versions (for replicas), the PO line a FIFO layer came from, the book at the time of
counting, on hand allowed below reserved (a stocktake that counted less), and the documents of other services
that inventory booked or refused.

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
    op.add_column("warehouses", sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")))
    op.add_column("cost_layers", sa.Column("po_number", sa.String(64), nullable=True))
    op.add_column("cost_layers", sa.Column("po_line", sa.Integer, nullable=True))
    op.add_column("document_lines", sa.Column("counted_at", UTCDateTime(), nullable=True))
    op.add_column("document_lines", sa.Column("counted_book", ExactDecimal(), nullable=True))
    # A stocktake that counts less than is reserved is posted all the same (the shelf is the truth); the
    # reservations it leaves short are announced. Reserved may therefore exceed on hand; neither goes negative.
    with op.batch_alter_table("stock_balances") as batch:
        batch.drop_constraint("ck_stock_balances_reserved", type_="check")
        batch.create_check_constraint("ck_stock_balances_reserved", "reserved >= 0")
    op.create_table(
        "source_documents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("refused_lines", sa.Text, nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_source_documents_kind_time", "source_documents", ["kind", "occurred_at"])
    op.create_index("ix_stock_moves_source_event", "stock_moves", ["source_event_id"])


def downgrade() -> None:
    op.drop_index("ix_stock_moves_source_event", table_name="stock_moves")
    op.drop_index("ix_source_documents_kind_time", table_name="source_documents")
    op.drop_table("source_documents")
    with op.batch_alter_table("stock_balances") as batch:
        batch.drop_constraint("ck_stock_balances_reserved", type_="check")
        batch.create_check_constraint("ck_stock_balances_reserved", "reserved >= 0 AND reserved <= on_hand")
    with op.batch_alter_table("document_lines") as batch:
        batch.drop_column("counted_book")
        batch.drop_column("counted_at")
    with op.batch_alter_table("cost_layers") as batch:
        batch.drop_column("po_line")
        batch.drop_column("po_number")
    with op.batch_alter_table("warehouses") as batch:
        batch.drop_column("version")
