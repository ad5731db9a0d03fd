"""The payables subledger's tables (应付): what finance keeps of purchasing's orders and receipts for the
three-way match, the supplier bills with their lines and the exception queue, and the payables (AP-000001).

Beside the journal (adapters/tables.py, the same metadata). The order and receipt tables are kept from
purchasing's events (service/on_purchasing_events.py); the bills are entered by accountants (service/bills.py).
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Date, Index, Integer, String, Table, Text, text

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime
from psi_finance.adapters.tables import metadata

#: Purchase orders as their newest approved revision (purchasing.PurchaseOrderApproved.v1) states them.
payable_orders = Table(
    "payable_orders",
    metadata,
    Column("po_id", String(64), primary_key=True),
    Column("po_number", String(64), nullable=False, unique=True),
    Column("revision", Integer, nullable=False),
    Column("supplier_id", String(64), nullable=False),
    Column("supplier_code", String(64), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("exchange_rate", ExactDecimal(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("approved_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("status IN ('open', 'cancelled', 'short_closed')", name="ck_payable_orders_status"),
)

#: Per order line: the newest revision's terms (null when the line is not on it, or before its approval is
#: known) and the running quantities and base values of receipts, returns, posted bills and waiting bills.
payable_order_lines = Table(
    "payable_order_lines",
    metadata,
    Column("po_id", String(64), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=True),
    Column("ordered_quantity", ExactDecimal(), nullable=True),
    Column("unit_price", ExactDecimal(), nullable=True),
    Column("tax_rate", ExactDecimal(), nullable=True),
    Column("received_quantity", ExactDecimal(), nullable=False),
    Column("received_value", ExactDecimal(), nullable=False),
    Column("returned_quantity", ExactDecimal(), nullable=False),
    Column("returned_value", ExactDecimal(), nullable=False),
    Column("billed_quantity", ExactDecimal(), nullable=False),
    Column("pending_quantity", ExactDecimal(), nullable=False),
    Column("grni_quantity", ExactDecimal(), nullable=False),
    Column("grni_value", ExactDecimal(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: Every receipt line and return line counted into the order lines, once each (the document's id and line).
payable_movements = Table(
    "payable_movements",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("document_id", String(64), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("document_number", String(64), nullable=False),
    Column("po_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("unit_cost_base", ExactDecimal(), nullable=False),
    Column("value", ExactDecimal(), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("event_id", String(64), nullable=False),
    CheckConstraint("kind IN ('receipt', 'return')", name="ck_payable_movements_kind"),
    Index("ix_payable_movements_po", "po_id", "line_no"),
)

_OPEN_BILL = text("status <> 'rejected'")

#: Supplier bills as entered, posted or waiting in the exception queue (status ``exception``) or rejected.
supplier_bills = Table(
    "supplier_bills",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("supplier_id", String(64), nullable=False),
    Column("po_id", String(64), nullable=False),
    Column("po_number", String(64), nullable=False),
    Column("bill_number", String(64), nullable=False),
    Column("bill_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("exchange_rate", ExactDecimal(), nullable=False),
    Column("net_amount", ExactDecimal(), nullable=False),
    Column("tax_amount", ExactDecimal(), nullable=False),
    Column("total_amount", ExactDecimal(), nullable=False),
    Column("base_total_amount", ExactDecimal(), nullable=False),
    Column("grni_amount", ExactDecimal(), nullable=False),
    Column("variance_amount", ExactDecimal(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("note", Text, nullable=True),
    Column("entry_id", BigId, nullable=True),
    Column("payable_id", BigId, nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("resolved_by", String(64), nullable=True),
    Column("resolved_at", UTCDateTime(), nullable=True),
    Column("resolution_note", Text, nullable=True),
    CheckConstraint("status IN ('posted', 'exception', 'rejected')", name="ck_supplier_bills_status"),
    Index(
        "ux_supplier_bills_number",
        "supplier_id",
        "bill_number",
        unique=True,
        postgresql_where=_OPEN_BILL,
        sqlite_where=_OPEN_BILL,
    ),
    Index("ix_supplier_bills_status", "status", "id"),
    Index("ix_supplier_bills_po", "po_id"),
)

#: A bill's lines with the match's outcome (``reasons``: PRICE, QUANTITY, NO_RECEIPT, NO_ORDER) and, once
#: posted, what each cleared from GRNI and its price variance (base currency).
supplier_bill_lines = Table(
    "supplier_bill_lines",
    metadata,
    Column("bill_id", BigId, primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("po_line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=True),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("tax_rate", ExactDecimal(), nullable=False),
    Column("net_amount", ExactDecimal(), nullable=False),
    Column("tax_amount", ExactDecimal(), nullable=False),
    Column("order_unit_price", ExactDecimal(), nullable=True),
    Column("open_quantity", ExactDecimal(), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("detail", Text, nullable=True),
    Column("grni_quantity", ExactDecimal(), nullable=False),
    Column("grni_amount", ExactDecimal(), nullable=False),
    Column("variance_amount", ExactDecimal(), nullable=False),
)

#: The payables subledger: one document per posted bill (AP-000001), its open amount for payments and aging.
payables = Table(
    "payables",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("kind", String(16), nullable=False),
    Column("supplier_id", String(64), nullable=False),
    Column("bill_id", BigId, nullable=False, unique=True),
    Column("po_number", String(64), nullable=False),
    Column("document_ref", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate", ExactDecimal(), nullable=False),
    Column("net_amount", ExactDecimal(), nullable=False),
    Column("tax_amount", ExactDecimal(), nullable=False),
    Column("total_amount", ExactDecimal(), nullable=False),
    Column("base_total_amount", ExactDecimal(), nullable=False),
    Column("open_amount", ExactDecimal(), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("entry_id", BigId, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("kind IN ('bill')", name="ck_payables_kind"),
    CheckConstraint("open_amount >= 0 AND open_amount <= total_amount", name="ck_payables_open"),
    Index("ix_payables_supplier", "supplier_id", "id"),
)
