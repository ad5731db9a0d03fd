"""Customer payments on real PostgreSQL: allocated to invoices (partial allowed, over-allocation refused), the
rest an advance, the realised FX difference posted, the customer's balance announced.

By hand: the golden shipment is invoiced INV-000001 for 1017.678 (CNY). A payment of 1200.00 settles 1000.00 of
it and keeps 200.00 as an advance: Dr Bank 1200 / Cr Receivables 1000, Cr Customer advances 200; the invoice has
17.678 open; the customer owes 1017.678 - 1200 = -182.322 (in credit). In USD: invoiced at 7.1 (7225.5138 base),
paid 1017.678 at 7.2: Dr Bank 7327.2816 / Cr Receivables 7225.5138, Cr FX gains 101.7678.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.events.finance import CUSTOMER_BALANCE_CHANGED_V1, PAYMENT_RECEIVED_V1
from psi_contracts.examples import load_example
from psi_finance.app import SERVICE

pytestmark = pytest.mark.integration
D = Decimal
SHIPPED = "sales.OrderShipped.v1"


def _ship(api: Any, name: str, **changes: Any) -> None:
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    data = {**load_example(SHIPPED)["data"], **changes}
    envelope = parse_envelope(make_envelope(SHIPPED, data, source="sales", event_id=event_id))
    (handler,) = [h for h in SERVICE.handlers if SHIPPED in h.subscriptions]
    assert api.runner.apply_envelopes(handler, [envelope]) == ["ack"]


def _account(api: Any, code: str) -> Decimal:
    return D(api.scalar("SELECT coalesce(sum(debit) - sum(credit), 0) FROM journal_lines WHERE account = :a", a=code))


def _pay(api: Any, amount: str, *allocations: tuple[str, str], **extra: Any) -> tuple[int, Any]:
    body = {
        "customer_id": "1042",
        "currency": "CNY",
        "amount": amount,
        "received_on": "2025-04-10",
        "allocations": [{"invoice_number": n, "amount": a} for n, a in allocations],
        **extra,
    }
    return api.call("POST", "/customer-payments", body)


def test_a_payment_settles_part_of_an_invoice_and_keeps_the_rest_as_an_advance(api: Any) -> None:
    _ship(api, "ship-1")
    status, payment = _pay(api, "1200.00", ("INV-000001", "1000.00"), reference="bank ref 77")
    assert status == 201, payment
    assert (payment["number"], payment["unallocated"]) == ("PAY-000001", "200.000000")
    assert (_account(api, "1002"), _account(api, "1122"), _account(api, "2203")) == (
        D("1200"),
        D("1017.678") - D("1000"),
        D("-200"),
    )
    assert D(api.scalar("SELECT open_amount FROM receivables WHERE number = 'INV-000001'")) == D("17.678")
    (received,) = api.events(PAYMENT_RECEIVED_V1)
    assert received["allocations"] == [{"invoice_number": "INV-000001", "amount": "1000.00"}]
    assert D(api.events(CUSTOMER_BALANCE_CHANGED_V1)[-1]["open_receivables"]) == D("-182.322")
    assert (
        api.ok("GET", f"/customer-payments/{payment['id']}", role="viewer")["allocations"][0]["amount"] == "1000.000000"
    )


def test_bad_payments_are_problems_and_change_nothing(api: Any) -> None:
    _ship(api, "ship-1")
    before = (
        api.rows(),
        api.scalar("SELECT count(*) FROM outbox"),
        api.scalar("SELECT sum(open_amount) FROM receivables"),
    )
    for args, extra, expected in (
        ((("INV-000001", "1017.679"),), {}, (422, "OVER_ALLOCATION")),  # more than is open
        ((("INV-000001", "600"), ("INV-000001", "500")), {}, (422, "OVER_ALLOCATION")),  # twice, together too much
        ((("INV-000001", "1000"),), {"amount": "900"}, (422, "OVER_ALLOCATION")),  # more than paid
        ((("INV-999999", "1"),), {}, (422, "UNKNOWN_INVOICE")),
        ((("INV-000001", "1"),), {"customer_id": "7"}, (422, "PAYMENT_RULE_VIOLATION")),  # another's invoice
        ((("INV-000001", "1"),), {"currency": "USD", "rate": "7.2"}, (422, "PAYMENT_RULE_VIOLATION")),  # currency
        ((), {"currency": "USD"}, (422, "NO_EXCHANGE_RATE")),  # a foreign payment without any rate
        ((), {"rate": "1.1"}, (422, "BASE_CURRENCY_RATE")),
        ((("INV-000001", 10),), {}, (422, "VALIDATION_FAILED")),  # a JSON number
    ):
        amount = extra.pop("amount", "1100")
        status, problem = _pay(api, amount, *args, **extra)
        assert (status, problem["code"]) == expected, (args, extra, problem)
    after = (
        api.rows(),
        api.scalar("SELECT count(*) FROM outbox"),
        api.scalar("SELECT sum(open_amount) FROM receivables"),
    )
    assert after == before


def test_a_foreign_payment_realises_the_fx_difference(api: Any) -> None:
    api.ok("POST", "/exchange-rates", {"currency": "USD", "valid_from": "2025-03-01", "rate": "7.1"})
    _ship(api, "ship-usd", currency="USD")
    status, payment = _pay(api, "1017.678", ("INV-000001", "1017.678"), currency="USD", rate="7.2")
    assert status == 201, payment
    assert (_account(api, "1002"), _account(api, "1122"), _account(api, "5603.01")) == (
        D("7327.2816"),
        D(0),
        D("-101.7678"),
    )
    assert payment["allocations"][0]["fx_difference"] == "101.767800"
