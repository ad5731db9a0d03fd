"""Request and response schemas of the finance API.

Requests are strict (unknown fields are a 422). Money is a decimal string both ways: a JSON number is refused on
the way in, and every amount is a string on the way out. Balances are signed, debit positive.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.api_schemas import (
    NON_NEGATIVE,
    POSITIVE,
    AtLeastOne,
    DecimalString,
    PageArgs,
    StrictSchema,
    WholeText,
    currency_code,
    line_list,
    money,
    optional_money,
    page_schema,
    text_field,
    trimmed_text,
)
from psi_chassis.exports import FORMATS as EXPORT_FORMATS
from psi_finance.domain.chart import AccountType, Role
from psi_finance.domain.journal import MAX_DESCRIPTION, MAX_MEMO, MAX_PARTY, MAX_REF
from psi_finance.domain.periods import PeriodStatus
from psi_finance.domain.statements import KeptKind

_TYPES = validate.OneOf([t.value for t in AccountType])
_ROLES = validate.OneOf([r.value for r in Role])
#: An account code as the standard chart numbers them: four digits, then sub-accounts of two (2221.01).
account_code = WholeText(r"^[0-9]{4}(\.[0-9]{2}){0,3}$", error="Must be four digits, then .NN sub-accounts: 2221.01.")
#: A period: a month from 2000-01.
period_name = WholeText(r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])$", error="Must be a month YYYY-MM from 2000-01.")


def _bool() -> fields.Boolean:
    """A JSON true or false (not "yes", 1 or "true")."""
    return fields.Boolean(truthy={True}, falsy={False})


# --- the chart of accounts -------------------------------------------------------------------------------------


class AccountCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=account_code)
    name = text_field(200, required=True)
    type = fields.String(required=True, validate=_TYPES)
    role = fields.String(
        allow_none=True,
        load_default=None,
        validate=_ROLES,
        metadata={"description": "What the posting rules use it for; taken from the account that held it"},
    )


class AccountUpdateSchema(AtLeastOne):
    name = text_field(200)
    active = _bool()
    role = fields.String(
        validate=_ROLES, metadata={"description": "Taken from the account that held it (a role is never dropped)"}
    )


class AccountSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    role = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class AccountQueryArgs(PageArgs):
    type = fields.String(validate=_TYPES)
    active = fields.Boolean()
    has_role = fields.Boolean()


AccountPage = page_schema(AccountSchema, "AccountPage")


# --- the journal -----------------------------------------------------------------------------------------------


class EntryLineCreateSchema(StrictSchema):
    account = text_field(32, required=True)
    debit = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0))
    credit = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0))
    memo = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=MAX_MEMO))
    party = text_field(
        MAX_PARTY, allow_none=True, load_default=None, metadata={"description": "customer:12, supplier:7"}
    )
    currency = fields.String(allow_none=True, load_default=None, validate=currency_code)
    amount_currency = DecimalString(
        sign=POSITIVE, allow_none=True, load_default=None, metadata={"description": "the amount in `currency`"}
    )


def _description(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=MAX_DESCRIPTION), trimmed_text], **kwargs)


class EntryCreateSchema(StrictSchema):
    entry_date = fields.Date(allow_none=True, load_default=None, metadata={"description": "default today (UTC)"})
    description = _description(required=True)
    document_ref = text_field(MAX_REF, allow_none=True, load_default=None, metadata={"description": "the paper"})
    lines = line_list(EntryLineCreateSchema)


class ReverseSchema(StrictSchema):
    entry_date = fields.Date(allow_none=True, load_default=None, metadata={"description": "default today (UTC)"})
    description = _description(
        allow_none=True, load_default=None, metadata={"description": "default: reversal of entry <id>: ..."}
    )


class EntryLineSchema(Schema):
    line_no = fields.Integer(required=True)
    account = fields.String(required=True)
    debit = money()
    credit = money()
    memo = fields.String(allow_none=True)
    party = fields.String(allow_none=True)
    currency = fields.String(allow_none=True)
    amount_currency = optional_money()


class EntrySchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    entry_date = fields.Date(required=True, metadata={"description": "the business date"})
    period = fields.String(required=True, metadata={"description": "the period it posted into"})
    moved_from_period = fields.String(
        allow_none=True, metadata={"description": "the closed period of its date, when it was moved on"}
    )
    description = fields.String(required=True)
    source_kind = fields.String(required=True, metadata={"description": "an event type, manual or reversal"})
    source_ref = fields.String(required=True)
    document_ref = fields.String(allow_none=True)
    reverses = fields.Integer(allow_none=True)
    reversed_by = fields.Integer(allow_none=True)
    amount = money()
    posted_by = fields.String(required=True)
    posted_at = fields.AwareDateTime(required=True)


class EntryDetailSchema(EntrySchema):
    lines = fields.List(fields.Nested(EntryLineSchema), required=True)


class EntryQueryArgs(PageArgs):
    period = fields.String(validate=period_name, metadata={"description": "the period posted into"})
    account = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "on any line"})
    source_kind = fields.String(validate=validate.Length(min=1, max=64))
    date_from = fields.Date(metadata={"description": "entry date from, inclusive"})
    date_to = fields.Date(metadata={"description": "entry date to, inclusive"})


EntryPage = page_schema(EntrySchema, "JournalEntryPage")


# --- periods ---------------------------------------------------------------------------------------------------


class PeriodSchema(Schema):
    period = fields.String(required=True)
    status = fields.String(required=True)
    closed_by = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    reopened_by = fields.String(allow_none=True)
    reopened_at = fields.AwareDateTime(allow_none=True)


class PeriodQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in PeriodStatus]))


PeriodPage = page_schema(PeriodSchema, "PeriodPage")


# --- the books as read -----------------------------------------------------------------------------------------


class TrialBalanceArgs(Schema):
    period = fields.String(validate=period_name, metadata={"description": "posted into; default the current month"})
    as_of = fields.Date(metadata={"description": "dated up to this day, from the first of its month"})

    @validates_schema
    def _one_window(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "period" in data and "as_of" in data:
            raise ValidationError("Give a period or as_of, not both.", "_schema")


class TrialBalanceRowSchema(Schema):
    account = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    opening = money()
    debit = money()
    credit = money()
    closing = money()


class TrialBalanceTotalsSchema(Schema):
    opening = money()
    debit = money()
    credit = money()
    closing = money()


class TrialBalanceSchema(Schema):
    currency = fields.String(required=True, metadata={"description": "the base currency of every figure"})
    period = fields.String(allow_none=True)
    as_of = fields.Date(allow_none=True)
    rows = fields.List(fields.Nested(TrialBalanceRowSchema), required=True)
    totals = fields.Nested(TrialBalanceTotalsSchema, required=True)
    balanced = fields.Boolean(
        required=True, metadata={"description": "openings and closings add up to 0, debits equal credits"}
    )


class LedgerArgs(PageArgs):
    date_from = fields.Date(metadata={"description": "entry date from, inclusive"})
    date_to = fields.Date(metadata={"description": "entry date to, inclusive"})
    party = fields.String(validate=validate.Length(min=1, max=MAX_PARTY), metadata={"description": "customer:12"})


class LedgerLineSchema(EntryLineSchema):
    entry_id = fields.Integer(required=True)
    number = fields.String(required=True)
    entry_date = fields.Date(required=True)
    period = fields.String(required=True)
    description = fields.String(required=True)
    balance = money()


class _AccountRef(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    active = fields.Boolean(required=True)


class LedgerSchema(Schema):
    currency = fields.String(required=True, metadata={"description": "the base currency of every figure"})
    account = fields.Nested(_AccountRef, required=True)
    party = fields.String(allow_none=True)
    date_from = fields.Date(allow_none=True)
    date_to = fields.Date(allow_none=True)
    opening = money()
    debit = money()
    credit = money()
    closing = money()
    items = fields.List(fields.Nested(LedgerLineSchema), required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)


# -- inventory reconciliation ---------------------------------------------------------------------------------


class InventoryReconciliationArgs(Schema):
    as_of = fields.AwareDateTime(metadata={"description": "business time; default now"})


class DifferingEventSchema(Schema):
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    document_ref = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    stated = money()
    posted = money()
    entry_id = fields.Integer(allow_none=True)


class WarehouseReconciliationSchema(Schema):
    warehouse_code = fields.String(required=True)
    stated = money()
    posted = money()
    difference = money()
    differing_events = fields.List(fields.Nested(DifferingEventSchema), required=True)


class InventoryReconciliationSchema(Schema):
    as_of = fields.AwareDateTime(allow_none=True)
    warehouses = fields.List(fields.Nested(WarehouseReconciliationSchema), required=True)
    stated = money()
    posted = money()
    books = money()
    other_postings = money()
    difference = money()
    reconciled = fields.Boolean(required=True)


# -- exchange rates -------------------------------------------------------------------------------------------


class ExchangeRateSetSchema(StrictSchema):
    currency = fields.String(required=True, validate=currency_code)
    valid_from = fields.Date(required=True)
    rate = DecimalString(sign=POSITIVE, required=True, metadata={"description": "base-currency units per unit"})


class ExchangeRateBulkSchema(StrictSchema):
    rates = fields.List(fields.Nested(ExchangeRateSetSchema), required=True, validate=validate.Length(min=1, max=500))


class ExchangeRateSchema(Schema):
    currency = fields.String(required=True)
    base_currency = fields.String()
    valid_from = fields.Date(required=True)
    rate = money()
    version = fields.Integer(required=True)
    set_by = fields.String(required=True)
    set_at = fields.AwareDateTime(required=True)


class RatesWrittenSchema(Schema):
    rates = fields.List(fields.Nested(ExchangeRateSchema), required=True)
    parked_posted = fields.Integer(
        required=True, metadata={"description": "parked foreign-currency documents the rates let finance post"}
    )


class ExchangeRateQueryArgs(PageArgs):
    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    date_from = fields.Date()
    date_to = fields.Date()


ExchangeRatePage = page_schema(ExchangeRateSchema, "ExchangeRatePage")


class EffectiveRateArgs(Schema):
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    on = fields.Date(required=True)


class EffectiveRateSchema(Schema):
    currency = fields.String(required=True)
    on = fields.Date(required=True)
    rate = money()


# -- supplier bills -------------------------------------------------------------------------------------------

_BILL_STATUSES = validate.OneOf(["posted", "exception", "rejected"])
_MATCH_REASONS = "PRICE, QUANTITY, NO_RECEIPT or NO_ORDER"


def _below_one(value: Decimal) -> None:
    """A tax rate is a fraction (a function, not ``validate.Range``: the OpenAPI type stays a plain string)."""
    if value >= 1:
        raise ValidationError("Must be a fraction below 1: 0.13 is 13 %.")


class BillLineCreateSchema(StrictSchema):
    po_line_no = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    quantity = DecimalString(sign=POSITIVE, required=True)
    unit_price = DecimalString(sign=POSITIVE, required=True, metadata={"description": "net of tax, per unit"})
    tax_rate = DecimalString(
        sign=NON_NEGATIVE,
        required=True,
        validate=_below_one,
        metadata={"description": 'a fraction below 1: "0.13" is 13 %'},
    )


class BillCreateSchema(StrictSchema):
    supplier_id = text_field(64, required=True, metadata={"description": "purchasing's supplier id"})
    po_id = text_field(64, allow_none=True, load_default=None, metadata={"description": "or po_number"})
    po_number = text_field(64, allow_none=True, load_default=None, metadata={"description": "or po_id"})
    bill_number = text_field(64, required=True, metadata={"description": "the supplier's invoice number"})
    bill_date = fields.Date(required=True)
    due_date = fields.Date(allow_none=True, load_default=None, metadata={"description": "or terms_days"})
    terms_days = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=365),
        metadata={"description": "days after bill_date; default 30 when due_date is not given either"},
    )
    currency = fields.String(required=True, validate=currency_code, metadata={"description": "the order's"})
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))
    lines = line_list(BillLineCreateSchema)

    @validates_schema
    def _one_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("po_id") is None) == (data.get("po_number") is None):
            raise ValidationError("Give po_id or po_number, one of them.", "_schema")


class BillResolveSchema(StrictSchema):
    note = fields.String(required=True, validate=[validate.Length(min=1, max=1000), trimmed_text])


class BillLineSchema(Schema):
    line_no = fields.Integer(required=True)
    po_line_no = fields.Integer(required=True)
    sku = fields.String(allow_none=True)
    quantity = money()
    unit_price = money()
    tax_rate = money()
    net_amount = money()
    tax_amount = money()
    order_unit_price = optional_money()
    open_quantity = money()
    reasons = fields.List(fields.String(), required=True, metadata={"description": _MATCH_REASONS + "; [] matched"})
    detail = fields.String(allow_none=True)
    grni_quantity = money()
    grni_amount = money()
    variance_amount = money()


class BillSchema(Schema):
    id = fields.Integer(required=True)
    supplier_id = fields.String(required=True)
    po_id = fields.String(required=True)
    po_number = fields.String(required=True)
    bill_number = fields.String(required=True)
    bill_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    currency = fields.String(required=True)
    exchange_rate = money()
    net_amount = money()
    tax_amount = money()
    total_amount = money()
    base_total_amount = money()
    grni_amount = money()
    variance_amount = money()
    status = fields.String(required=True, metadata={"description": "posted, exception (waiting) or rejected"})
    note = fields.String(allow_none=True)
    entry_id = fields.Integer(allow_none=True)
    payable_number = fields.String(allow_none=True, metadata={"description": "AP-000001 once posted"})
    open_amount = optional_money()
    created_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(BillLineSchema), required=True)


class BillQueryArgs(PageArgs):
    status = fields.String(validate=_BILL_STATUSES)
    supplier_id = fields.String(validate=validate.Length(min=1, max=64))
    po_number = fields.String(validate=validate.Length(min=1, max=64))
    bill_number = fields.String(validate=validate.Length(min=1, max=64))
    date_from = fields.Date(metadata={"description": "bill date from, inclusive"})
    date_to = fields.Date(metadata={"description": "bill date to, inclusive"})


class BillExceptionArgs(PageArgs):
    supplier_id = fields.String(validate=validate.Length(min=1, max=64))
    po_number = fields.String(validate=validate.Length(min=1, max=64))


BillPage = page_schema(BillSchema, "SupplierBillPage")


# -- statements -------------------------------------------------------------------------------------------------

_EXPORT_FORMAT = {"load_default": "json", "validate": validate.OneOf(EXPORT_FORMATS)}
_FORMAT_HELP = "json (the default), csv (text/csv) or xlsx (a workbook)"


def _in_order(data: dict[str, Any], first: str, last: str) -> None:
    if data.get(first) is not None and data.get(last) is not None and data[first] > data[last]:
        raise ValidationError(f"{first} must not be after {last}.", first)


class ProfitAndLossArgs(Schema):
    period = fields.String(validate=period_name, metadata={"description": "posted into that month"})
    date_from = fields.Date(metadata={"description": "dated from, inclusive; default the first of date_to's month"})
    date_to = fields.Date(metadata={"description": "dated to, inclusive; default today"})
    format = fields.String(**_EXPORT_FORMAT, metadata={"description": _FORMAT_HELP})

    @validates_schema
    def _one_window(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "period" in data and ("date_from" in data or "date_to" in data):
            raise ValidationError("Give a period or dates, not both.", "_schema")
        _in_order(data, "date_from", "date_to")


class BalanceSheetArgs(Schema):
    period = fields.String(validate=period_name, metadata={"description": "posted into the periods up to it"})
    as_of = fields.Date(metadata={"description": "dated up to this day; default today"})
    format = fields.String(**_EXPORT_FORMAT, metadata={"description": _FORMAT_HELP})

    @validates_schema
    def _one_window(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "period" in data and "as_of" in data:
            raise ValidationError("Give a period or as_of, not both.", "_schema")


class StatementLineSchema(Schema):
    account = fields.String(required=True)
    name = fields.String(required=True)
    amount = money()


class StatementBlockSchema(Schema):
    lines = fields.List(fields.Nested(StatementLineSchema), required=True)
    total = money()


class EquityBlockSchema(StatementBlockSchema):
    earlier_years_result = money()
    current_year_result = money()


class _StatementWindow(Schema):
    currency = fields.String(required=True, metadata={"description": "the base currency of every figure"})
    basis = fields.String(required=True, metadata={"description": "dated (business dates) or posted (periods)"})
    period = fields.String(allow_none=True)


class ProfitAndLossSchema(_StatementWindow):
    date_from = fields.Date(allow_none=True)
    date_to = fields.Date(allow_none=True)
    revenue = fields.Nested(StatementBlockSchema, required=True)
    sales_returns = fields.Nested(StatementBlockSchema, required=True)
    net_revenue = money()
    cost_of_goods_sold = fields.Nested(StatementBlockSchema, required=True)
    gross_profit = money()
    operating_expenses = fields.Nested(StatementBlockSchema, required=True)
    operating_result = money()
    financial_items = fields.Nested(StatementBlockSchema, required=True)
    net_profit = money()


class BalanceSheetSchema(_StatementWindow):
    as_of = fields.Date(allow_none=True)
    assets = fields.Nested(StatementBlockSchema, required=True)
    liabilities = fields.Nested(StatementBlockSchema, required=True)
    equity = fields.Nested(EquityBlockSchema, required=True)
    liabilities_and_equity = money()
    balanced = fields.Boolean(required=True, metadata={"description": "assets = liabilities + equity"})


class AgingArgs(Schema):
    as_of = fields.Date(metadata={"description": "default today"})
    format = fields.String(**_EXPORT_FORMAT, metadata={"description": _FORMAT_HELP})


class _AgingBuckets(Schema):
    current = money()
    days_1_30 = money()
    days_31_60 = money()
    days_61_90 = money()
    over_90 = money()
    total = money()


class AgingColumnsSchema(_AgingBuckets):
    credit_notes = money()


class ApAgingColumnsSchema(_AgingBuckets):
    debit_notes = money()


class AgedDocumentSchema(Schema):
    number = fields.String(required=True)
    kind = fields.String(required=True)
    issued_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    days_past_due = fields.Integer(required=True)
    bucket = fields.String(allow_none=True, metadata={"description": "current, 1-30, 31-60, 61-90, over_90"})
    open_amount = money()


class CustomerAgingSchema(AgingColumnsSchema):
    customer_id = fields.String(required=True)
    customer_code = fields.String(allow_none=True)
    documents = fields.List(fields.Nested(AgedDocumentSchema), required=True)


class ArAgingSchema(Schema):
    currency = fields.String(required=True)
    as_of = fields.Date(required=True)
    customers = fields.List(fields.Nested(CustomerAgingSchema), required=True)
    totals = fields.Nested(AgingColumnsSchema, required=True)


class SupplierAgingSchema(ApAgingColumnsSchema):
    supplier_id = fields.String(required=True)
    supplier_code = fields.String(allow_none=True)
    documents = fields.List(fields.Nested(AgedDocumentSchema), required=True)


class ApAgingSchema(Schema):
    currency = fields.String(required=True)
    as_of = fields.Date(required=True)
    suppliers = fields.List(fields.Nested(SupplierAgingSchema), required=True)
    totals = fields.Nested(ApAgingColumnsSchema, required=True)


class PartyStatementArgs(Schema):
    date_from = fields.Date(metadata={"description": "issued from, inclusive; default the first of date_to's month"})
    date_to = fields.Date(metadata={"description": "issued to, inclusive; default today"})
    format = fields.String(**_EXPORT_FORMAT, metadata={"description": _FORMAT_HELP})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        _in_order(data, "date_from", "date_to")


class _StatementLine(Schema):
    issued_on = fields.Date(required=True, metadata={"description": "issued, or a payment received"})
    number = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "invoice, credit_note, payment; bill"})
    document_ref = fields.String(allow_none=True, metadata={"description": "shipment, return, bill; a payment's"})
    due_on = fields.Date(allow_none=True, metadata={"description": "none for a payment"})
    debit = money()
    credit = money()
    balance = money()


class CustomerStatementLineSchema(_StatementLine):
    order_number = fields.String(allow_none=True)


class SupplierStatementLineSchema(_StatementLine):
    po_number = fields.String(allow_none=True)


class _PartyStatement(Schema):
    currency = fields.String(required=True)
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    opening = money()
    debit = money()
    credit = money()
    closing = money()


class CustomerStatementSchema(_PartyStatement):
    customer_id = fields.String(required=True)
    customer_code = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(CustomerStatementLineSchema), required=True)


class SupplierStatementSchema(_PartyStatement):
    supplier_id = fields.String(required=True)
    supplier_code = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(SupplierStatementLineSchema), required=True)


class KeptStatementArgs(PageArgs):
    period = fields.String(validate=period_name)
    kind = fields.String(validate=validate.OneOf([k.value for k in KeptKind]))


class KeptStatementFileArgs(Schema):
    format = fields.String(**_EXPORT_FORMAT, metadata={"description": _FORMAT_HELP})


class KeptStatementSchema(Schema):
    id = fields.Integer(required=True)
    period = fields.String(required=True)
    kind = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "1 at the first close, one more at each"})
    kept_by = fields.String(required=True)
    kept_at = fields.AwareDateTime(required=True)


class KeptStatementDetailSchema(KeptStatementSchema):
    body = fields.Dict(required=True, metadata={"description": "the statement as its route showed it at close"})


KeptStatementPage = page_schema(KeptStatementSchema, "KeptStatementPage")


# -- customer payments ----------------------------------------------------------------------------------------


class AllocationCreateSchema(StrictSchema):
    invoice_number = text_field(32, required=True)
    amount = DecimalString(sign=POSITIVE, required=True)


class CustomerPaymentCreateSchema(StrictSchema):
    customer_id = text_field(64, required=True, metadata={"description": "sales' customer id"})
    currency = fields.String(required=True, validate=currency_code)
    amount = DecimalString(sign=POSITIVE, required=True)
    received_on = fields.Date(required=True)
    rate = DecimalString(
        sign=POSITIVE, allow_none=True, load_default=None, metadata={"description": "default: the table's rate"}
    )
    reference = text_field(100, allow_none=True, load_default=None)
    allocations = fields.List(
        fields.Nested(AllocationCreateSchema), load_default=list, validate=validate.Length(max=500)
    )


class AllocationSchema(Schema):
    invoice_number = fields.String(required=True)
    receivable_id = fields.Integer(required=True)
    amount = money()
    invoice_rate = money()
    payment_rate = money()
    fx_difference = fields.Decimal(as_string=True, required=True, metadata={"description": "base currency; + gain"})
    entry_id = fields.Integer(required=True)


class CustomerPaymentSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    customer_id = fields.String(required=True)
    currency = fields.String(required=True)
    amount = money()
    rate = money()
    unallocated = money()
    received_on = fields.Date(required=True)
    reference = fields.String(allow_none=True)
    entry_id = fields.Integer(required=True)
    allocations = fields.List(fields.Nested(AllocationSchema), required=True)
