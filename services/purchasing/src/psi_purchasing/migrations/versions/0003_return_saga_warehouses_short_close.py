"""Purchasing issue 8: the purchase return saga, the warehouse replica, short-close (结案) and owed quantities,
makers of documents (four-eyes, requisition ownership), the approver role fixed at a requisition's submission.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import ExactDecimal, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ZERO = sa.text("0")
RETURN_STATUSES = "status IN ('requested', 'completed', 'refused')"


def upgrade() -> None:
    # The replica of inventory's warehouses (inventory.WarehouseCreated/WarehouseUpdated.v1), newest version wins.
    op.create_table(
        "warehouses",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("valuation_method", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )

    with op.batch_alter_table("purchase_orders") as batch:
        batch.add_column(sa.Column("created_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("short_closed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("short_close_reason", sa.Text, nullable=True))
    # Rejected goods stay owed: only the accepted quantity is bounded by max_receivable from now on.
    with op.batch_alter_table("purchase_order_lines") as batch:
        batch.add_column(sa.Column("short_closed_quantity", ExactDecimal(), nullable=False, server_default=_ZERO))
        batch.drop_constraint("ck_purchase_order_lines_received", type_="check")
        batch.create_check_constraint(
            "ck_purchase_order_lines_received",
            "received_quantity >= 0 AND accepted_quantity <= coalesce(max_receivable, quantity)",
        )
        batch.create_check_constraint("ck_purchase_order_lines_short_closed", "short_closed_quantity >= 0")

    with op.batch_alter_table("requisitions") as batch:
        batch.add_column(sa.Column("created_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("approver_role", sa.String(32), nullable=True))

    # Returns become a saga. Returns recorded before it were announced as GoodsReturned at once: they count as
    # completed, and the id of that event moves to returned_event_id.
    with op.batch_alter_table("purchase_returns") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("requested_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("returned_event_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("answered_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("refusal_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("refusal_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("issued_currency", sa.String(3), nullable=True))
        batch.add_column(sa.Column("issued_total_value", ExactDecimal(), nullable=True))
        batch.alter_column("returned_at", existing_type=UTCDateTime(), nullable=True)
    op.execute(
        "UPDATE purchase_returns SET status = 'completed', requested_at = returned_at, answered_at = created_at,"
        " returned_event_id = event_id, event_id = NULL"
    )
    with op.batch_alter_table("purchase_returns") as batch:
        batch.alter_column("status", existing_type=sa.String(16), nullable=False)
        batch.alter_column("requested_at", existing_type=UTCDateTime(), nullable=False)
        batch.create_check_constraint("ck_purchase_returns_status", RETURN_STATUSES)
    op.create_index("ix_purchase_returns_status", "purchase_returns", ["status"])
    with op.batch_alter_table("purchase_return_lines") as batch:
        batch.add_column(sa.Column("issued_unit_cost", ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("issued_value", ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("issued_value_fifo", ExactDecimal(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("purchase_return_lines") as batch:
        for column in ("issued_value_fifo", "issued_value", "issued_unit_cost"):
            batch.drop_column(column)
    op.drop_index("ix_purchase_returns_status", table_name="purchase_returns")
    # Requested or refused returns have no place in the old model (it knew only announced returns).
    op.execute(
        "DELETE FROM purchase_return_lines WHERE return_id IN"
        " (SELECT id FROM purchase_returns WHERE status <> 'completed')"
    )
    op.execute("DELETE FROM purchase_returns WHERE status <> 'completed'")
    op.execute(
        "UPDATE purchase_returns SET event_id = returned_event_id, returned_at = requested_at"
        " WHERE returned_at IS NULL OR event_id IS NULL"
    )
    with op.batch_alter_table("purchase_returns") as batch:
        batch.drop_constraint("ck_purchase_returns_status", type_="check")
        for column in (
            "issued_total_value",
            "issued_currency",
            "refusal_reason",
            "refusal_code",
            "answered_at",
            "returned_event_id",
            "requested_at",
            "status",
        ):
            batch.drop_column(column)
        batch.alter_column("returned_at", existing_type=UTCDateTime(), nullable=False)
    with op.batch_alter_table("requisitions") as batch:
        batch.drop_column("approver_role")
        batch.drop_column("created_by")
    with op.batch_alter_table("purchase_order_lines") as batch:
        batch.drop_constraint("ck_purchase_order_lines_short_closed", type_="check")
        batch.drop_constraint("ck_purchase_order_lines_received", type_="check")
        batch.drop_column("short_closed_quantity")
        batch.create_check_constraint(
            "ck_purchase_order_lines_received",
            "received_quantity >= 0 AND received_quantity <= coalesce(max_receivable, quantity)",
        )
    with op.batch_alter_table("purchase_orders") as batch:
        for column in ("short_close_reason", "short_closed_at", "created_by"):
            batch.drop_column(column)
    op.drop_table("warehouses")
