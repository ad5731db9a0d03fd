"""Events published by the finance service (exchange ``psi.finance.events``)."""

from __future__ import annotations

from marshmallow import fields, validate

from psi_contracts.events._common import amount, business_time, positive, signed
from psi_contracts.schema import ContractSchema, StrictInteger, currency_code, text

__all__ = [
    "CUSTOMER_BALANCE_CHANGED_V1",
    "EXCHANGE_RATE_SET_V1",
    "PAYMENT_RECEIVED_V1",
    "PaymentAllocationV1",
    "PaymentReceivedV1",
    "ExchangeRateSetV1",
    "INVOICE_ISSUED_V1",
    "INVOICE_KINDS",
    "CustomerBalanceChangedV1",
    "InvoiceIssuedV1",
    "BILL_POSTED_V1",
    "BILL_MATCHES",
    "BillPostedV1",
    "EVENTS",
]

CUSTOMER_BALANCE_CHANGED_V1 = "finance.CustomerBalanceChanged.v1"
INVOICE_ISSUED_V1 = "finance.InvoiceIssued.v1"
EXCHANGE_RATE_SET_V1 = "finance.ExchangeRateSet.v1"
PAYMENT_RECEIVED_V1 = "finance.PaymentReceived.v1"
BILL_POSTED_V1 = "finance.BillPosted.v1"

INVOICE_KINDS = ("invoice", "credit_note")
"""A customer invoice (from a shipment) or a credit note (from a customer return)."""


class CustomerBalanceChangedV1(ContractSchema):
    """A customer's open receivables changed (an invoice, a credit note, a payment); sales' credit control keeps
    the newest ``version`` per customer."""

    customer_id = text()
    """Sales' customer id, as the sales events name it."""
    currency = currency_code()
    """The customer's currency, which ``open_receivables`` is in."""
    open_receivables = signed()
    """What the customer owes now: open invoices less open credit notes and unallocated payments; negative when
    the customer is in credit."""
    version = StrictInteger(validate=validate.Range(min=1))
    """One higher with every change of this customer's balance: a consumer keeps the highest it has seen."""
    changed_at = business_time()


class InvoiceIssuedV1(ContractSchema):
    """Finance issued a customer invoice for a shipment, or a credit note for a return, and posted it."""

    invoice_id = text()
    number = text()
    """``INV-000001`` for an invoice, ``CN-000001`` for a credit note."""
    kind = fields.String(required=True, validate=validate.OneOf(INVOICE_KINDS))
    customer_id = text()
    order_number = text()
    document_ref = text()
    """The shipment (or return) number it was issued for."""
    issued_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    currency = currency_code()
    net_amount = amount()
    tax_amount = amount()
    total_amount = amount()
    """In ``currency``: net plus tax."""
    base_total_amount = amount()
    """The total in the base currency, as posted."""


class ExchangeRateSetV1(ContractSchema):
    """A rate of finance's table was set (or corrected): from ``valid_from`` on, until the currency's next rate,
    one unit of ``currency`` is worth ``rate`` units of the base currency. Purchasing and sales keep a replica;
    the newest ``version`` of a (currency, valid_from) wins."""

    currency = currency_code()
    base_currency = currency_code()
    rate = positive()
    """Base-currency units per unit of ``currency``, at most six decimals (``7.1`` for USD in a CNY base)."""
    valid_from = fields.Date(required=True)
    version = StrictInteger(validate=validate.Range(min=1))
    """1 when the rate of that date is first set, one higher with every correction."""
    set_at = business_time()


BILL_MATCHES = ("matched", "accepted")
"""How a bill came to post: within the three-way match's tolerances, or accepted from the exception queue."""


class BillPostedV1(ContractSchema):
    """Finance posted a supplier bill (Dr GRNI, Dr/Cr purchase price variance, Dr VAT input / Cr Payables) and
    recorded it in the payables subledger as ``number``."""

    bill_id = text()
    number = text()
    """The payable's number, ``AP-000001``."""
    supplier_id = text()
    """Purchasing's supplier id, as its events name it."""
    bill_number = text()
    """The supplier's own invoice number."""
    po_id = text()
    po_number = text()
    bill_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    currency = currency_code()
    """The bill's currency: its purchase order's."""
    exchange_rate = positive()
    """Base-currency units per unit of ``currency``: the purchase order's rate (``"1"`` in the base currency)."""
    net_amount = amount()
    tax_amount = amount()
    total_amount = amount()
    """In ``currency``: net plus tax; what is owed to the supplier."""
    base_total_amount = amount()
    """The total in the base currency, as credited to Payables."""
    variance_amount = signed()
    """The purchase price variance posted, in the base currency: positive when the bill costs more than the
    receipts booked (GRNI), negative when less."""
    match = fields.String(required=True, validate=validate.OneOf(BILL_MATCHES))
    posted_at = business_time()


class PaymentAllocationV1(ContractSchema):
    invoice_number = text()
    amount = positive()
    """In the payment's currency, which is the invoice's."""


class PaymentReceivedV1(ContractSchema):
    """A customer's payment was received and posted; the allocations say which invoices it settled, the rest is
    an advance."""

    payment_id = text()
    number = text()
    """``PAY-000001``."""
    customer_id = text()
    currency = currency_code()
    unallocated = amount()
    """What is left as an advance from the customer, in ``currency``."""
    amount = positive()
    rate = positive()
    """The base-currency units per unit the bank was posted at (1 in the base currency)."""
    received_on = fields.Date(required=True)
    allocations = fields.List(fields.Nested(PaymentAllocationV1), required=True)
    """May be empty: all of it an advance."""


EVENTS: dict[str, type[ContractSchema]] = {
    CUSTOMER_BALANCE_CHANGED_V1: CustomerBalanceChangedV1,
    INVOICE_ISSUED_V1: InvoiceIssuedV1,
    EXCHANGE_RATE_SET_V1: ExchangeRateSetV1,
    PAYMENT_RECEIVED_V1: PaymentReceivedV1,
    BILL_POSTED_V1: BillPostedV1,
}
