"""Purchasing's tables (the outbox and inbox come from the chassis, see migrations/versions/0001_initial.py).

Document numbers (PO-000001, GRN-000001) are derived from the id, so they are written by an UPDATE right after
the INSERT in the same transaction; no other transaction ever sees the row without its number.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from psi_chassis.types import BigId as _BigId
from psi_chassis.types import ExactDecimal, UTCDateTime

metadata = MetaData()
# Inspection splits what arrived into accepted and rejected; nothing is lost or counted twice.
_INSPECTED = (
    "accepted_quantity >= 0 AND rejected_quantity >= 0 AND accepted_quantity + rejected_quantity = received_quantity"
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("contact_name", String(200), nullable=True),
    Column("contact_email", String(254), nullable=True),
    Column("contact_phone", String(64), nullable=True),
    Column("lead_time_days", Integer, nullable=False, server_default=text("7")),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("code", name="uq_suppliers_code"),
    CheckConstraint("payment_terms_days >= 0", name="ck_suppliers_payment_terms"),
    CheckConstraint("status IN ('active', 'blocked')", name="ck_suppliers_status"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True),
    Column("supplier_id", _BigId, ForeignKey("suppliers.id", name="fk_purchase_orders_supplier"), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("exchange_rate", ExactDecimal(), nullable=False),
    Column("expected_date", Date, nullable=True),
    Column("status", String(32), nullable=False),
    Column("total_amount", ExactDecimal(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("approved_at", UTCDateTime(), nullable=True),
    Column("department", String(64), nullable=True),
    Column("revision", Integer, nullable=False, server_default=text("1")),
    Column("total_amount_base", ExactDecimal(), nullable=False, server_default=text("0")),
    Column("budget_period", String(7), nullable=True),
    Column("cancelled_at", UTCDateTime(), nullable=True),
    Column("cancel_reason", Text, nullable=True),
    # The user id of its creator: a maker under the four-eyes rule.
    Column("created_by", String(64), nullable=True),
    Column("short_closed_at", UTCDateTime(), nullable=True),
    Column("short_close_reason", Text, nullable=True),
    # Finance's rate for the order date when the order was created (null: none in the replica; bands applied).
    Column("table_exchange_rate", ExactDecimal(), nullable=True),
    UniqueConstraint("number", name="uq_purchase_orders_number"),
    CheckConstraint("exchange_rate > 0", name="ck_purchase_orders_exchange_rate"),
    CheckConstraint(
        "status IN ('draft', 'pending_approval', 'approved', 'partially_received', 'received', 'closed', 'cancelled')",
        name="ck_purchase_orders_status",
    ),
)
Index("ix_purchase_orders_supplier", purchase_orders.c.supplier_id)
Index("ix_purchase_orders_status", purchase_orders.c.status)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("po_id", _BigId, ForeignKey("purchase_orders.id", name="fk_purchase_order_lines_po"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("received_quantity", ExactDecimal(), nullable=False),
    Column("accepted_quantity", ExactDecimal(), nullable=False),
    Column("rejected_quantity", ExactDecimal(), nullable=False),
    Column("tax_rate", ExactDecimal(), nullable=False, server_default=text("0")),
    Column("max_receivable", ExactDecimal(), nullable=True),
    Column("returned_quantity", ExactDecimal(), nullable=False, server_default=text("0")),
    Column("requisition_line_id", _BigId, nullable=True),
    # What a short-close (结案) released: the part of the quantity that will never arrive.
    Column("short_closed_quantity", ExactDecimal(), nullable=False, server_default=text("0")),
    UniqueConstraint("po_id", "line_no", name="uq_purchase_order_lines_line"),
    CheckConstraint("quantity > 0", name="ck_purchase_order_lines_quantity"),
    CheckConstraint("unit_price >= 0", name="ck_purchase_order_lines_unit_price"),
    # The last guard against over-receipt, behind the domain rule and the row lock on the order. Rejected
    # goods stay owed, so only what was accepted is bounded (received may exceed it by the rejects).
    CheckConstraint(
        "received_quantity >= 0 AND accepted_quantity <= coalesce(max_receivable, quantity)",
        name="ck_purchase_order_lines_received",
    ),
    CheckConstraint("short_closed_quantity >= 0", name="ck_purchase_order_lines_short_closed"),
    CheckConstraint(
        "returned_quantity >= 0 AND returned_quantity <= accepted_quantity",
        name="ck_purchase_order_lines_returned",
    ),
    CheckConstraint(
        _INSPECTED,
        name="ck_purchase_order_lines_inspected",
    ),
)

goods_receipts = Table(
    "goods_receipts",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True),
    Column("po_id", _BigId, ForeignKey("purchase_orders.id", name="fk_goods_receipts_po"), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # The id of the purchasing.GoodsReceived.v1 event written to the outbox with this receipt.
    Column("event_id", String(64), nullable=True),
    UniqueConstraint("number", name="uq_goods_receipts_number"),
)
Index("ix_goods_receipts_po", goods_receipts.c.po_id)

goods_receipt_lines = Table(
    "goods_receipt_lines",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column(
        "receipt_id",
        _BigId,
        ForeignKey("goods_receipts.id", name="fk_goods_receipt_lines_receipt"),
        nullable=False,
    ),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("received_quantity", ExactDecimal(), nullable=False),
    Column("accepted_quantity", ExactDecimal(), nullable=False),
    Column("rejected_quantity", ExactDecimal(), nullable=False),
    Column("reject_reason", String(500), nullable=True),
    Column("unit_cost", ExactDecimal(), nullable=False),
    Column("unit_cost_base", ExactDecimal(), nullable=False),
    UniqueConstraint("receipt_id", "line_no", name="uq_goods_receipt_lines_line"),
    CheckConstraint("received_quantity > 0", name="ck_goods_receipt_lines_received"),
    CheckConstraint(
        _INSPECTED,
        name="ck_goods_receipt_lines_inspected",
    ),
)


supplier_prices = Table(
    "supplier_prices",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("supplier_id", _BigId, ForeignKey("suppliers.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("min_quantity", ExactDecimal(), nullable=False, server_default=text("0")),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("preferred", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UTCDateTime(), nullable=False),
)

#: Amount tiers per document type, in the base currency: up to ``up_to_amount`` (null: no bound) the
#: ``approver_role`` must approve (null: approved automatically).
approval_tiers = Table(
    "approval_tiers",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("document_type", String(32), nullable=False),
    Column("up_to_amount", ExactDecimal(), nullable=True),
    Column("approver_role", String(32), nullable=True),
)

department_budgets = Table(
    "department_budgets",
    metadata,
    Column("department", String(64), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("amount", ExactDecimal(), nullable=False),
    Column("committed", ExactDecimal(), nullable=False, server_default=text("0")),
    CheckConstraint("committed >= 0 AND committed <= amount", name="ck_department_budgets_committed"),
)

#: Who approved, rejected or un-approved which document revision, when, and why.
approvals = Table(
    "approvals",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("document_type", String(32), nullable=False),
    Column("document_id", _BigId, nullable=False),
    Column("revision", Integer, nullable=False, server_default=text("1")),
    Column("decision", String(16), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_name", String(64), nullable=False),
    Column("actor_roles", String(255), nullable=False),
    Column("reason", Text, nullable=True),
    Column("amount_base", ExactDecimal(), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=False),
)

#: A purchase return goes requested -> completed (inventory issued it) or refused (inventory could not).
purchase_returns = Table(
    "purchase_returns",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("po_id", _BigId, ForeignKey("purchase_orders.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    # When the goods are to leave (business time of the issue), as requested.
    Column("requested_at", UTCDateTime(), nullable=False),
    # When they left, as inventory reported it (completed returns only).
    Column("returned_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # The id of the purchasing.GoodsReturnRequested.v1 event that asked inventory to issue the goods.
    Column("event_id", String(64), nullable=True),
    # The id of the purchasing.GoodsReturned.v1 event published on completion.
    Column("returned_event_id", String(64), nullable=True),
    Column("answered_at", UTCDateTime(), nullable=True),
    Column("refusal_code", String(64), nullable=True),
    Column("refusal_reason", Text, nullable=True),
    Column("issued_currency", String(3), nullable=True),
    Column("issued_total_value", ExactDecimal(), nullable=True),
    CheckConstraint("status IN ('requested', 'completed', 'refused')", name="ck_purchase_returns_status"),
)
Index("ix_purchase_returns_status", purchase_returns.c.status)

purchase_return_lines = Table(
    "purchase_return_lines",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("return_id", _BigId, ForeignKey("purchase_returns.id"), nullable=False),
    Column("po_line_id", _BigId, ForeignKey("purchase_order_lines.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("unit_cost_base", ExactDecimal(), nullable=False),
    # What inventory booked the issue at (completed returns): unit cost under the warehouse's method, and the
    # value that left under moving average and FIFO.
    Column("issued_unit_cost", ExactDecimal(), nullable=True),
    Column("issued_value", ExactDecimal(), nullable=True),
    Column("issued_value_fifo", ExactDecimal(), nullable=True),
)

#: ``replenish_key`` ("sku|warehouse") is set only while a replenishment draft is open; its unique constraint
#: is what makes "never a second open draft for the same SKU and warehouse" hold under concurrency.
requisitions = Table(
    "requisitions",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("department", String(64), nullable=False),
    Column("requester", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("source", String(16), nullable=False, server_default=text("'manual'")),
    Column("replenish_key", String(120), nullable=True, unique=True),
    Column("note", Text, nullable=True),
    # The requester's user id (ownership, four-eyes); None for replenishment drafts and older rows.
    Column("created_by", String(64), nullable=True),
    # The role that must approve, fixed at submission (None: automatic, or not submitted).
    Column("approver_role", String(32), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

requisition_lines = Table(
    "requisition_lines",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("requisition_id", _BigId, ForeignKey("requisitions.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("needed_by", Date, nullable=True),
    Column("note", Text, nullable=True),
    Column("preferred_supplier_id", _BigId, ForeignKey("suppliers.id"), nullable=True),
    Column("ordered_quantity", ExactDecimal(), nullable=False, server_default=text("0")),
)

#: The replica of inventory's item master, newest ``version`` wins (events may arrive twice or late).
items = Table(
    "items",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_of_measure", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("reorder_quantity", ExactDecimal(), nullable=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: The replica of inventory's warehouses (inventory.WarehouseCreated/WarehouseUpdated.v1), newest ``version``
#: wins. Orders and requisitions may only name an active warehouse of this table.
warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("valuation_method", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: The replica of finance's exchange rates (finance.ExchangeRateSet.v1): from ``valid_from`` on, until the
#: currency's next rate, one unit of ``currency`` is worth ``rate`` units of the base currency. The newest
#: ``version`` per (currency, valid_from) wins; ``rate_key`` is that pair as one value, ``USD:2025-03-03`` (the
#: event's subject), so the chassis' single-key upsert keeps the rule.
exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("rate_key", String(16), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("rate", ExactDecimal(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
    UniqueConstraint("currency", "valid_from", name="uq_exchange_rates_currency_valid_from"),
    CheckConstraint("rate > 0", name="ck_exchange_rates_rate"),
)
