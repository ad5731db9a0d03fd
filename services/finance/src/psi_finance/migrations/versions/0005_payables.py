"""Finance issue 12: payables (supplier bills, the three-way match, the exception queue).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OPEN_BILL = sa.text("status <> 'rejected'")


def _quantities(*names: str) -> list[sa.Column]:
    return [sa.Column(name, ExactDecimal(), nullable=False) for name in names]


def _orders() -> None:
    op.create_table(
        "payable_orders",
        sa.Column("po_id", sa.String(64), primary_key=True),
        sa.Column("po_number", sa.String(64), nullable=False, unique=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("supplier_id", sa.String(64), nullable=False),
        sa.Column("supplier_code", sa.String(64), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("exchange_rate", ExactDecimal(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'cancelled', 'short_closed')", name="ck_payable_orders_status"),
    )
    op.create_table(
        "payable_order_lines",
        sa.Column("po_id", sa.String(64), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("ordered_quantity", ExactDecimal(), nullable=True),
        sa.Column("unit_price", ExactDecimal(), nullable=True),
        sa.Column("tax_rate", ExactDecimal(), nullable=True),
        *_quantities(
            "received_quantity",
            "received_value",
            "returned_quantity",
            "returned_value",
            "billed_quantity",
            "pending_quantity",
            "grni_quantity",
            "grni_value",
        ),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "payable_movements",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("document_number", sa.String(64), nullable=False),
        sa.Column("po_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        *_quantities("quantity", "unit_cost_base", "value"),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.CheckConstraint("kind IN ('receipt', 'return')", name="ck_payable_movements_kind"),
    )
    op.create_index("ix_payable_movements_po", "payable_movements", ["po_id", "line_no"])


def _bills() -> None:
    op.create_table(
        "supplier_bills",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("supplier_id", sa.String(64), nullable=False),
        sa.Column("po_id", sa.String(64), nullable=False),
        sa.Column("po_number", sa.String(64), nullable=False),
        sa.Column("bill_number", sa.String(64), nullable=False),
        sa.Column("bill_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        *_quantities("exchange_rate", "net_amount", "tax_amount", "total_amount", "base_total_amount"),
        *_quantities("grni_amount", "variance_amount"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("entry_id", BigId, nullable=True),
        sa.Column("payable_id", BigId, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolution_note", sa.Text, nullable=True),
        sa.CheckConstraint("status IN ('posted', 'exception', 'rejected')", name="ck_supplier_bills_status"),
    )
    op.create_index(
        "ux_supplier_bills_number",
        "supplier_bills",
        ["supplier_id", "bill_number"],
        unique=True,
        postgresql_where=_OPEN_BILL,
        sqlite_where=_OPEN_BILL,
    )
    op.create_index("ix_supplier_bills_status", "supplier_bills", ["status", "id"])
    op.create_index("ix_supplier_bills_po", "supplier_bills", ["po_id"])
    op.create_table(
        "supplier_bill_lines",
        sa.Column("bill_id", BigId, primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("po_line_no", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=True),
        *_quantities("quantity", "unit_price", "tax_rate", "net_amount", "tax_amount"),
        sa.Column("order_unit_price", ExactDecimal(), nullable=True),
        *_quantities("open_quantity"),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        *_quantities("grni_quantity", "grni_amount", "variance_amount"),
    )


def _payables() -> None:
    op.create_table(
        "payables",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("supplier_id", sa.String(64), nullable=False),
        sa.Column("bill_id", BigId, nullable=False, unique=True),
        sa.Column("po_number", sa.String(64), nullable=False),
        sa.Column("document_ref", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        *_quantities("rate", "net_amount", "tax_amount", "total_amount", "base_total_amount", "open_amount"),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('bill')", name="ck_payables_kind"),
        sa.CheckConstraint("open_amount >= 0 AND open_amount <= total_amount", name="ck_payables_open"),
    )
    op.create_index("ix_payables_supplier", "payables", ["supplier_id", "id"])


def upgrade() -> None:
    _orders()
    _bills()
    _payables()


def downgrade() -> None:
    op.drop_index("ix_payables_supplier", table_name="payables")
    op.drop_table("payables")
    op.drop_table("supplier_bill_lines")
    op.drop_index("ix_supplier_bills_po", table_name="supplier_bills")
    op.drop_index("ix_supplier_bills_status", table_name="supplier_bills")
    op.drop_index("ux_supplier_bills_number", table_name="supplier_bills")
    op.drop_table("supplier_bills")
    op.drop_index("ix_payable_movements_po", table_name="payable_movements")
    op.drop_table("payable_movements")
    op.drop_table("payable_order_lines")
    op.drop_table("payable_orders")
