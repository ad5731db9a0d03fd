"""Sales' tables (the outbox and inbox come from the chassis, see migrations/versions/0001_initial.py)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
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
)

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

metadata = MetaData()

customer_classes = Table(
    "customer_classes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column(
        "class_code",
        String(32),
        ForeignKey("customer_classes.code", name="fk_customers_class"),
        nullable=True,
    ),
    Column("channel", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("credit_limit", ExactDecimal(), nullable=True),
    Column("salesperson", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    # [{name, email, phone, role}], and {line1, line2, city, region, postal_code, country}: read and written whole
    Column("contacts", JSON, nullable=False),
    Column("billing_address", JSON, nullable=True),
    Column("shipping_address", JSON, nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("payment_terms_days >= 0", name="ck_customers_payment_terms"),
    CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="ck_customers_credit_limit"),
    CheckConstraint("status IN ('active', 'on_hold', 'blocked')", name="ck_customers_status"),
    CheckConstraint("channel IN ('store', 'web', 'marketplace', 'wholesale')", name="ck_customers_channel"),
    Index("ix_customers_class", "class_code"),
    Index("ix_customers_salesperson", "salesperson"),
)

#: Every status change of a customer: who, when, why (credit control's log).
customer_status_changes = Table(
    "customer_status_changes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("customer_id", BigId, ForeignKey("customers.id", name="fk_status_changes_customer"), nullable=False),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("actor", String(64), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Index("ix_customer_status_changes_customer", "customer_id", "id"),
)

#: The replica of inventory's item master (inventory.ItemCreated/ItemUpdated.v1), newest ``version`` kept.
items = Table(
    "items",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_of_measure", String(16), nullable=False),
    Column("category", String(200), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: The replica of inventory's warehouses (inventory.WarehouseCreated/WarehouseUpdated.v1), newest ``version`` kept.
warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: Price lists (价目表): general, for a customer class or for one customer; one currency; valid between dates.
price_lists = Table(
    "price_lists",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("class_code", String(32), ForeignKey("customer_classes.code", name="fk_price_lists_class"), nullable=True),
    Column("customer_id", BigId, ForeignKey("customers.id", name="fk_price_lists_customer"), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("scope IN ('general', 'class', 'customer')", name="ck_price_lists_scope"),
    Index("ix_price_lists_currency", "currency"),
)

price_list_lines = Table(
    "price_list_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("price_list_id", BigId, ForeignKey("price_lists.id", name="fk_price_list_lines_list"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("min_quantity", ExactDecimal(), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    UniqueConstraint("price_list_id", "sku", "min_quantity", name="uq_price_list_lines"),
    CheckConstraint("unit_price >= 0 AND min_quantity > 0", name="ck_price_list_lines_figures"),
    Index("ix_price_list_lines_sku", "sku"),
)

#: Discount rules (折扣规则): class discounts, quantity breaks and dated promotions; deactivated, never deleted.
discount_rules = Table(
    "discount_rules",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("percent", ExactDecimal(), nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column(
        "class_code", String(32), ForeignKey("customer_classes.code", name="fk_discount_rules_class"), nullable=True
    ),
    Column("sku", String(64), nullable=True),
    Column("category", String(200), nullable=True),
    Column("min_quantity", ExactDecimal(), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("kind IN ('class_discount', 'quantity_break', 'promotion')", name="ck_discount_rules_kind"),
    CheckConstraint("percent > 0 AND percent <= 100", name="ck_discount_rules_percent"),
)

#: Sales orders (销售订单); the number (SO-000001) is written from the id in the same transaction.
sales_orders = Table(
    "sales_orders",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("customer_id", BigId, ForeignKey("customers.id", name="fk_sales_orders_customer"), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(24), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("order_date", Date, nullable=False),
    Column("salesperson", String(64), nullable=True),
    Column("note", Text, nullable=True),
    Column("net_amount", ExactDecimal(), nullable=False),
    Column("tax_amount", ExactDecimal(), nullable=False),
    Column("total_amount", ExactDecimal(), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # the reservation saga, visible on the order
    Column("confirmed_at", UTCDateTime(), nullable=True),
    Column("reservation_requested_at", UTCDateTime(), nullable=True),
    Column("reservation_answered_at", UTCDateTime(), nullable=True),
    Column("short_lines", JSON, nullable=True),
    Column("quotation_id", BigId, nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Index("ix_sales_orders_customer", "customer_id", "id"),
    Index("ix_sales_orders_status", "status", "id"),
)

#: An order's lines, each with the record of its price: list price, the list, every discount, the net price.
sales_order_lines = Table(
    "sales_order_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", BigId, ForeignKey("sales_orders.id", name="fk_sales_order_lines_order"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("list_price", ExactDecimal(), nullable=False),
    Column("price_list_id", BigId, nullable=False),
    Column("discounts", JSON, nullable=False),
    Column("manual_discount_percent", ExactDecimal(), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("tax_rate", ExactDecimal(), nullable=False),
    Column("requested_date", Date, nullable=True),
    Column("shipped_quantity", ExactDecimal(), nullable=False),
    Column("returned_quantity", ExactDecimal(), nullable=False),
    Column("explanation", Text, nullable=False),
    UniqueConstraint("order_id", "line_no", name="uq_sales_order_lines"),
    CheckConstraint("quantity > 0 AND tax_rate >= 0 AND tax_rate <= 1", name="ck_sales_order_lines_figures"),
)

#: Every credit decision at confirmation and every release of a hold: who, when, why, and the figures.
credit_decisions = Table(
    "credit_decisions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", BigId, ForeignKey("sales_orders.id", name="fk_credit_decisions_order"), nullable=False),
    Column("customer_id", BigId, nullable=False),
    Column("action", String(16), nullable=False),
    Column("exposure_before", ExactDecimal(), nullable=False),
    Column("order_amount", ExactDecimal(), nullable=False),
    Column("credit_limit", ExactDecimal(), nullable=True),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
    CheckConstraint("action IN ('passed', 'held', 'released')", name="ck_credit_decisions_action"),
    Index("ix_credit_decisions_order", "order_id", "id"),
)

#: A customer's open receivables as finance last published them (``finance.CustomerBalanceChanged.v1``).
customer_balances = Table(
    "customer_balances",
    metadata,
    Column("customer_id", BigId, primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("open_receivables", ExactDecimal(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

#: Shipments (销售发货单), SHP-000001: what left, or what inventory refused to issue.
shipments = Table(
    "shipments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("order_id", BigId, ForeignKey("sales_orders.id", name="fk_shipments_order"), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("carrier", String(100), nullable=True),
    Column("tracking_number", String(100), nullable=True),
    Column("shipped_at", UTCDateTime(), nullable=False),
    Column("refusal", JSON, nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("status IN ('shipped', 'refused')", name="ck_shipments_status"),
    Index("ix_shipments_order", "order_id", "id"),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("shipment_id", BigId, ForeignKey("shipments.id", name="fk_shipment_lines_shipment"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    UniqueConstraint("shipment_id", "line_no", name="uq_shipment_lines"),
    CheckConstraint("quantity > 0", name="ck_shipment_lines_quantity"),
)

#: Customer returns (销售退货, RMA-000001) against shipped lines, with the price they were sold at.
sales_returns = Table(
    "sales_returns",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("order_id", BigId, ForeignKey("sales_orders.id", name="fk_sales_returns_order"), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("net_amount", ExactDecimal(), nullable=False),
    Column("tax_amount", ExactDecimal(), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_sales_returns_order", "order_id", "id"),
)

sales_return_lines = Table(
    "sales_return_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("return_id", BigId, ForeignKey("sales_returns.id", name="fk_sales_return_lines_return"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("order_line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("condition", String(16), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("tax_rate", ExactDecimal(), nullable=False),
    UniqueConstraint("return_id", "line_no", name="uq_sales_return_lines"),
    CheckConstraint("quantity > 0", name="ck_sales_return_lines_quantity"),
    CheckConstraint("condition IN ('resaleable', 'damaged')", name="ck_sales_return_lines_condition"),
)

#: Quotations (报价), QT-000001: lines priced on the quote date, offered until valid_until; converted once.
quotations = Table(
    "quotations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("customer_id", BigId, ForeignKey("customers.id", name="fk_quotations_customer"), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("quote_date", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("salesperson", String(64), nullable=True),
    Column("note", Text, nullable=True),
    Column("net_amount", ExactDecimal(), nullable=False),
    Column("tax_amount", ExactDecimal(), nullable=False),
    Column("total_amount", ExactDecimal(), nullable=False),
    Column("order_id", BigId, ForeignKey("sales_orders.id", name="fk_quotations_order"), nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Column("closed_by", String(64), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("status IN ('open', 'converted', 'cancelled')", name="ck_quotations_status"),
    CheckConstraint("valid_until >= quote_date", name="ck_quotations_validity"),
    CheckConstraint("(status = 'converted') = (order_id IS NOT NULL)", name="ck_quotations_order"),
    Index("ix_quotations_customer", "customer_id", "id"),
    Index("ix_quotations_status", "status", "id"),
)

#: A quotation's lines, each with the record of its price exactly as an order line keeps it (and the list's name).
quotation_lines = Table(
    "quotation_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("quotation_id", BigId, ForeignKey("quotations.id", name="fk_quotation_lines_quotation"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("list_price", ExactDecimal(), nullable=False),
    Column("price_list_id", BigId, nullable=False),
    Column("price_list_name", String(200), nullable=False),
    Column("discounts", JSON, nullable=False),
    Column("manual_discount_percent", ExactDecimal(), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("tax_rate", ExactDecimal(), nullable=False),
    Column("requested_date", Date, nullable=True),
    Column("explanation", Text, nullable=False),
    UniqueConstraint("quotation_id", "line_no", name="uq_quotation_lines"),
    CheckConstraint("quantity > 0 AND tax_rate >= 0 AND tax_rate <= 1", name="ck_quotation_lines_figures"),
)

#: The replica of finance's exchange rates (finance.ExchangeRateSet.v1), as purchasing keeps it: from
#: ``valid_from`` on, until the currency's next rate, one unit of ``currency`` is worth ``rate`` units of
#: ``base_currency``. The newest ``version`` per (currency, valid_from) wins; ``rate_key`` is that pair as one
#: value, ``USD:2025-03-03`` (the event's subject), so the chassis' single-key upsert keeps the rule.
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
