"""Item master, warehouses, FIFO layers beside moving average, reservations, transfer/stocktake/adjustment
documents, and an append-only guard on the ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ZERO = sa.text("0")


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_of_measure", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("barcode", sa.String(64), nullable=True, unique=True),
        sa.Column("reorder_point", ExactDecimal(), nullable=True),
        sa.Column("reorder_quantity", ExactDecimal(), nullable=True),
        sa.Column("safety_stock", ExactDecimal(), nullable=False, server_default=_ZERO),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "warehouses",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("valuation_method", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("valuation_method IN ('moving_average', 'fifo')", name="ck_warehouses_method"),
    )
    op.add_column("stock_moves", sa.Column("value_fifo", ExactDecimal(), nullable=False, server_default=_ZERO))
    op.add_column("stock_moves", sa.Column("reason_code", sa.String(32), nullable=True))
    op.create_index("ix_stock_moves_document", "stock_moves", ["document_ref"])
    op.add_column("stock_balances", sa.Column("value_fifo", ExactDecimal(), nullable=False, server_default=_ZERO))
    op.add_column(
        "stock_balances", sa.Column("below_reorder", sa.Boolean, nullable=False, server_default=sa.text("false"))
    )
    op.create_table(
        "cost_layers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("move_id", BigId, sa.ForeignKey("stock_moves.id"), nullable=False),
        sa.Column("original_quantity", ExactDecimal(), nullable=False),
        sa.Column("remaining", ExactDecimal(), nullable=False),
        sa.Column("unit_cost", ExactDecimal(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("remaining >= 0 AND remaining <= original_quantity", name="ck_cost_layers_remaining"),
    )
    op.create_index("ix_cost_layers_open", "cost_layers", ["sku", "warehouse_code", "id"])
    op.create_table(
        "reservations",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("consumed", ExactDecimal(), nullable=False, server_default=_ZERO),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("reference", "line_no", name="uq_reservations_line"),
        sa.CheckConstraint("consumed >= 0 AND consumed <= quantity", name="ck_reservations_consumed"),
    )
    op.create_table(
        "documents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("to_warehouse_code", sa.String(32), nullable=True),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "document_lines",
        sa.Column("document_id", BigId, sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=True),
        sa.Column("book_quantity", ExactDecimal(), nullable=True),
        sa.Column("value", ExactDecimal(), nullable=True),
        sa.Column("value_fifo", ExactDecimal(), nullable=True),
        sa.Column("layers", sa.Text, nullable=True),
    )
    # Before this revision every move was a receipt: each becomes a FIFO layer, and FIFO value equals the
    # moving-average value.
    op.execute("UPDATE stock_moves SET value_fifo = value")
    op.execute("UPDATE stock_balances SET value_fifo = value")
    op.execute(
        "INSERT INTO cost_layers (sku, warehouse_code, move_id, original_quantity, remaining, unit_cost, occurred_at)"
        " SELECT sku, warehouse_code, id, quantity, quantity, unit_cost, occurred_at FROM stock_moves"
        " WHERE kind = 'receipt' ORDER BY id"
    )
    if op.get_bind().dialect.name == "postgresql":
        # The ledger is append-only: corrections are new moves. The database refuses anything else.
        op.execute(
            "CREATE FUNCTION stock_moves_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'stock_moves is append-only (% refused)', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER stock_moves_append_only BEFORE UPDATE OR DELETE ON stock_moves"
            " FOR EACH ROW EXECUTE FUNCTION stock_moves_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER stock_moves_append_only ON stock_moves")
        op.execute("DROP FUNCTION stock_moves_append_only()")
    op.drop_table("document_lines")
    op.drop_table("documents")
    op.drop_table("reservations")
    op.drop_index("ix_cost_layers_open", table_name="cost_layers")
    op.drop_table("cost_layers")
    with op.batch_alter_table("stock_balances") as batch:
        batch.drop_column("below_reorder")
        batch.drop_column("value_fifo")
    op.drop_index("ix_stock_moves_document", table_name="stock_moves")
    with op.batch_alter_table("stock_moves") as batch:
        batch.drop_column("reason_code")
        batch.drop_column("value_fifo")
    op.drop_table("warehouses")
    op.drop_table("items")
