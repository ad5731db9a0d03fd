"""Purchasing issue 5: supplier details and price lists, approval policy and budgets, approvals log, order
revisions and cancellation, over-receipt tolerance, purchase returns, requisitions, the item replica.

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
PO_STATUSES = ("draft", "pending_approval", "approved", "partially_received", "received", "closed", "cancelled")


def upgrade() -> None:
    # Suppliers: contact and default lead time.
    with op.batch_alter_table("suppliers") as batch:
        batch.add_column(sa.Column("contact_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("contact_email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lead_time_days", sa.Integer, nullable=False, server_default=sa.text("7")))
    op.create_table(
        "supplier_prices",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("supplier_id", BigId, sa.ForeignKey("suppliers.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("unit_price", ExactDecimal(), nullable=False),
        sa.Column("min_quantity", ExactDecimal(), nullable=False, server_default=_ZERO),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("preferred", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("unit_price >= 0 AND min_quantity >= 0", name="ck_supplier_prices_amounts"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_supplier_prices_validity"),
    )
    op.create_index("ix_supplier_prices_sku", "supplier_prices", ["sku", "supplier_id", "valid_from"])

    # Approval policy: amount tiers per document type (in the base currency), and monthly department budgets.
    op.create_table(
        "approval_tiers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("document_type", sa.String(32), nullable=False),  # purchase_order, requisition
        sa.Column("up_to_amount", ExactDecimal(), nullable=True),  # null: no upper bound (the last tier)
        sa.Column("approver_role", sa.String(32), nullable=True),  # null: approved automatically
        sa.UniqueConstraint("document_type", "up_to_amount", name="uq_approval_tiers_bound"),
    )
    op.create_table(
        "department_budgets",
        sa.Column("department", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),  # YYYY-MM
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("committed", ExactDecimal(), nullable=False, server_default=_ZERO),
        sa.CheckConstraint("committed >= 0 AND committed <= amount", name="ck_department_budgets_committed"),
    )
    op.create_table(
        "approvals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("document_type", sa.String(32), nullable=False),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("decision", sa.String(16), nullable=False),  # approved, rejected, unapproved, submitted
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("actor_roles", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("amount_base", ExactDecimal(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_approvals_document", "approvals", ["document_type", "document_id"])

    # Purchase orders: department (for budgets), revision, cancellation; lines: tax rate and tolerance bound.
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_constraint("ck_purchase_orders_status", type_="check")
        batch.create_check_constraint(
            "ck_purchase_orders_status", "status IN (" + ", ".join(f"'{s}'" for s in PO_STATUSES) + ")"
        )
        batch.add_column(sa.Column("department", sa.String(64), nullable=True))
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("1")))
        batch.add_column(sa.Column("total_amount_base", ExactDecimal(), nullable=False, server_default=_ZERO))
        batch.add_column(sa.Column("budget_period", sa.String(7), nullable=True))
        batch.add_column(sa.Column("cancelled_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text, nullable=True))
    with op.batch_alter_table("purchase_order_lines") as batch:
        batch.drop_constraint("ck_purchase_order_lines_received", type_="check")
        batch.add_column(sa.Column("tax_rate", ExactDecimal(), nullable=False, server_default=_ZERO))
        batch.add_column(sa.Column("max_receivable", ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("returned_quantity", ExactDecimal(), nullable=False, server_default=_ZERO))
        batch.add_column(sa.Column("requisition_line_id", BigId, nullable=True))
        # The last guard against over-receipt: up to the tolerance fixed when the order was approved.
        batch.create_check_constraint(
            "ck_purchase_order_lines_received",
            "received_quantity >= 0 AND received_quantity <= coalesce(max_receivable, quantity)",
        )
        batch.create_check_constraint(
            "ck_purchase_order_lines_returned", "returned_quantity >= 0 AND returned_quantity <= accepted_quantity"
        )

    # Purchase returns after receipt.
    op.create_table(
        "purchase_returns",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("po_id", BigId, sa.ForeignKey("purchase_orders.id"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("returned_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
    )
    op.create_table(
        "purchase_return_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("return_id", BigId, sa.ForeignKey("purchase_returns.id"), nullable=False),
        sa.Column("po_line_id", BigId, sa.ForeignKey("purchase_order_lines.id"), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("unit_cost_base", ExactDecimal(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_purchase_return_lines_quantity"),
    )

    # Requisitions (采购申请), and their lines; a partial unique index keeps one open replenishment draft per
    # SKU and warehouse.
    op.create_table(
        "requisitions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False, server_default=sa.text("'manual'")),
        sa.Column("replenish_key", sa.String(120), nullable=True),  # sku|warehouse while an open draft
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'rejected', 'converted', 'cancelled')",
            name="ck_requisitions_status",
        ),
        sa.UniqueConstraint("replenish_key", name="uq_requisitions_replenish_key"),
    )
    op.create_table(
        "requisition_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("requisition_id", BigId, sa.ForeignKey("requisitions.id"), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("needed_by", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("preferred_supplier_id", BigId, sa.ForeignKey("suppliers.id"), nullable=True),
        sa.Column("ordered_quantity", ExactDecimal(), nullable=False, server_default=_ZERO),
        sa.UniqueConstraint("requisition_id", "line_no", name="uq_requisition_lines_line"),
        sa.CheckConstraint("quantity > 0 AND ordered_quantity >= 0", name="ck_requisition_lines_quantity"),
    )

    # The replica of inventory's item master (inventory.ItemCreated/ItemUpdated.v1), newest version wins.
    op.create_table(
        "items",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_of_measure", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("reorder_quantity", ExactDecimal(), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("items")
    op.drop_table("requisition_lines")
    op.drop_table("requisitions")
    op.drop_table("purchase_return_lines")
    op.drop_table("purchase_returns")
    with op.batch_alter_table("purchase_order_lines") as batch:
        batch.drop_constraint("ck_purchase_order_lines_returned", type_="check")
        batch.drop_constraint("ck_purchase_order_lines_received", type_="check")
        batch.drop_column("requisition_line_id")
        batch.drop_column("returned_quantity")
        batch.drop_column("max_receivable")
        batch.drop_column("tax_rate")
        batch.create_check_constraint(
            "ck_purchase_order_lines_received", "received_quantity >= 0 AND received_quantity <= quantity"
        )
    with op.batch_alter_table("purchase_orders") as batch:
        for column in ("cancel_reason", "cancelled_at", "budget_period", "total_amount_base", "revision", "department"):
            batch.drop_column(column)
        batch.drop_constraint("ck_purchase_orders_status", type_="check")
        batch.create_check_constraint(
            "ck_purchase_orders_status", "status IN ('draft', 'approved', 'partially_received', 'received')"
        )
    op.drop_index("ix_approvals_document", table_name="approvals")
    op.drop_table("approvals")
    op.drop_table("department_budgets")
    op.drop_table("approval_tiers")
    op.drop_index("ix_supplier_prices_sku", table_name="supplier_prices")
    op.drop_table("supplier_prices")
    with op.batch_alter_table("suppliers") as batch:
        for column in ("lead_time_days", "contact_phone", "contact_email", "contact_name"):
            batch.drop_column(column)
