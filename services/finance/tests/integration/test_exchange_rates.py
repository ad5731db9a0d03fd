"""Exchange rates on real PostgreSQL: set one or many (all or none), announced for the replicas; the rate a
document takes (the latest on or before its date); a parked foreign-currency invoice posted when its rate arrives.

By hand: the golden shipment is 900.60 net + 117.078 tax = 1017.678 in its currency; in USD at 7.1 the books take
900.60 x 7.1 = 6394.26 revenue, 117.078 x 7.1 = 831.2538 VAT, 7225.5138 receivable.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.events.finance import CUSTOMER_BALANCE_CHANGED_V1, EXCHANGE_RATE_SET_V1, INVOICE_ISSUED_V1
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


def _books(api: Any) -> dict[str, Decimal]:
    rows = (
        api.scalar(
            "SELECT json_object_agg(account, d) FROM (SELECT account, sum(debit) - sum(credit) AS d "
            "FROM journal_lines GROUP BY account) t"
        )
        or {}
    )
    return {k: D(str(v)) for k, v in rows.items()}


def test_a_parked_invoice_posts_when_its_rate_is_set(api: Any) -> None:
    _ship(api, "usd-1", currency="USD")  # shipped 2025-03-19
    assert api.scalar("SELECT count(*) FROM parked_events") == 1 and _books(api) == {}
    later = api.ok("POST", "/exchange-rates", {"currency": "USD", "valid_from": "2025-03-20", "rate": "7.3"})
    assert later["parked_posted"] == 0  # a rate from after the shipment does not cover it
    answer = api.ok("POST", "/exchange-rates", {"currency": "USD", "valid_from": "2025-03-01", "rate": "7.1"})
    assert answer["parked_posted"] == 1 and answer["rates"][0]["version"] == 1
    assert api.scalar("SELECT count(*) FROM parked_events") == 0
    assert _books(api) == {"1122": D("7225.5138"), "5001": D("-6394.26"), "2221.02": D("-831.2538")}
    (invoice,) = api.events(INVOICE_ISSUED_V1)
    assert (invoice["currency"], D(invoice["total_amount"]), D(invoice["base_total_amount"])) == (
        "USD",
        D("1017.678"),
        D("7225.5138"),
    )
    assert [D(c["open_receivables"]) for c in api.events(CUSTOMER_BALANCE_CHANGED_V1)] == [D("1017.678")]
    # the next USD shipment takes the table rate at once: on 2025-03-25 the 7.3 of the 20th
    _ship(
        api,
        "usd-2",
        currency="USD",
        shipment_id="886313e1-3b8a-4372-9b90-0c9aee199e5e",
        shipment_number="SHP-2",
        shipped_at="2025-03-25T10:00:00+00:00",
    )
    assert _books(api)["1122"] == D("7225.5138") + D("900.60") * D("7.3") + D("117.078") * D("7.3")


def test_rates_are_set_all_or_none_and_corrected_by_a_new_version(api: Any) -> None:
    api.ok(
        "POST",
        "/exchange-rates/bulk",
        {
            "rates": [
                {"currency": "USD", "valid_from": "2025-03-01", "rate": "7.1"},
                {"currency": "EUR", "valid_from": "2025-03-01", "rate": "7.8"},
            ]
        },
    )
    corrected = api.ok("POST", "/exchange-rates", {"currency": "USD", "valid_from": "2025-03-01", "rate": "7.12"})
    assert corrected["rates"][0]["version"] == 2
    assert [(e["currency"], e["version"], e["rate"]) for e in api.events(EXCHANGE_RATE_SET_V1)] == [
        ("USD", 1, "7.1"),
        ("EUR", 1, "7.8"),
        ("USD", 2, "7.12"),
    ]
    effective = api.ok("GET", "/exchange-rates/effective?currency=USD&on=2025-06-30", role="viewer")
    assert effective["rate"] == "7.120000"
    assert api.ok("GET", "/exchange-rates/effective?currency=CNY&on=2025-06-30")["rate"] == "1"
    status, problem = api.call("GET", "/exchange-rates/effective?currency=USD&on=2025-02-28")
    assert (status, problem["code"]) == (404, "NO_EXCHANGE_RATE")
    assert api.ok("GET", "/exchange-rates?currency=USD")["total"] == 1
    before = api.scalar("SELECT count(*) FROM outbox"), api.scalar("SELECT sum(rate) FROM exchange_rates")
    for body, code in (
        ({"currency": "CNY", "valid_from": "2025-03-01", "rate": "1.1"}, "EXCHANGE_RATE_RULE_VIOLATION"),
        ({"currency": "USD", "valid_from": "2025-03-01", "rate": 7.1}, "VALIDATION_FAILED"),
        ({"currency": "USD", "valid_from": "2025-03-01", "rate": "0"}, "VALIDATION_FAILED"),
        ({"currency": "usd", "valid_from": "2025-03-01", "rate": "7"}, "VALIDATION_FAILED"),
    ):
        status, problem = api.call("POST", "/exchange-rates", body)
        assert (status, problem["code"]) == (422, code), body
    bulk = {
        "rates": [
            {"currency": "GBP", "valid_from": "2025-03-01", "rate": "9"},
            {"currency": "CNY", "valid_from": "2025-03-01", "rate": "1"},
        ]
    }
    status, problem = api.call("POST", "/exchange-rates/bulk", bulk)
    assert (status, problem["code"]) == (422, "EXCHANGE_RATE_RULE_VIOLATION")  # all or none: no GBP either
    assert (api.scalar("SELECT count(*) FROM outbox"), api.scalar("SELECT sum(rate) FROM exchange_rates")) == before
    status, problem = api.call(
        "POST", "/exchange-rates", {"currency": "JPY", "valid_from": "2025-03-01", "rate": "0.05"}, "viewer"
    )
    assert (status, problem["code"]) == (403, "ROLE_NOT_PERMITTED")
