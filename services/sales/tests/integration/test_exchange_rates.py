"""Sales' replica of finance's exchange rates on real PostgreSQL (issue 12): finance.ExchangeRateSet.v1 on the
queue handler on_finance_events, the newest version per (currency, valid_from) kept, and
GET /exchange-rates?currency=&on= answering the rate with the latest valid_from on or before the date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from psi_chassis.types import utcnow
from psi_contracts.envelope import parse_envelope
from psi_contracts.examples import load_example
from psi_sales.app import SERVICE

pytestmark = pytest.mark.integration
RATE_SET = "finance.ExchangeRateSet.v1"


def _rate(currency: str, valid_from: date, rate: str, version: int, base: str = "CNY") -> dict[str, Any]:
    return {
        "currency": currency,
        "base_currency": base,
        "rate": Decimal(rate),
        "valid_from": valid_from,
        "version": version,
        "set_at": datetime(2025, 3, 1, 1, tzinfo=UTC),
    }


def _rows(api: Any) -> list[tuple[Any, ...]]:
    with api.db.engine.connect() as conn:
        sql = "SELECT rate_key, base_currency, rate, version FROM exchange_rates ORDER BY rate_key"
        return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def test_the_rates_share_finances_queue_and_the_golden_example_applies(api: Any) -> None:
    handlers = {h.name: h.event_types for h in SERVICE.handlers}
    assert handlers["on_finance_events"] == ("finance.CustomerBalanceChanged.v1", RATE_SET)
    (handler,) = [h for h in SERVICE.handlers if h.name == "on_finance_events"]
    envelope = parse_envelope(load_example(RATE_SET))
    assert api.runner.apply_envelopes(handler, [envelope]) == ["ack"]
    assert api.runner.apply_envelopes(handler, [envelope]) == ["duplicate"]
    assert _rows(api) == [("USD:2025-03-03", "CNY", Decimal("7.1"), 1)]
    assert api.ok("GET", "/exchange-rates?currency=USD&on=2025-03-03") == {
        "currency": "USD",
        "base_currency": "CNY",
        "on": "2025-03-03",
        "rate": "7.100000",
        "valid_from": "2025-03-03",
        "version": 1,
        "set_at": "2025-03-03T01:00:00+00:00",  # 09:00 in Shanghai, kept in UTC
    }


def test_the_newest_version_wins_and_a_date_takes_the_latest_rate_on_or_before_it(api: Any) -> None:
    march_3, march_10 = date(2025, 3, 3), date(2025, 3, 10)
    assert api.deliver(RATE_SET, _rate("USD", march_3, "7.1", 1)) == ["ack"]
    assert api.deliver(RATE_SET, _rate("USD", march_3, "7.15", 3)) == ["ack"]  # corrected twice; v2 is late
    assert api.deliver(RATE_SET, _rate("USD", march_3, "7.0", 2)) == ["ack"]  # stale: ignored
    assert api.deliver(RATE_SET, _rate("USD", march_3, "9.99", 3)) == ["ack"]  # the same version again: ignored
    assert api.deliver(RATE_SET, _rate("USD", march_10, "7.2", 1)) == ["ack"]
    again = "0b6f2c1d-3e4a-4b5c-8d6e-7f8091a2b3c4"
    assert api.deliver(RATE_SET, _rate("EUR", march_10, "7.8", 1), event_id=again) == ["ack"]
    assert api.deliver(RATE_SET, _rate("EUR", march_10, "7.8", 1), event_id=again) == ["duplicate"]
    assert _rows(api) == [
        ("EUR:2025-03-10", "CNY", Decimal("7.8"), 1),
        ("USD:2025-03-03", "CNY", Decimal("7.15"), 3),
        ("USD:2025-03-10", "CNY", Decimal("7.2"), 1),
    ]
    answers = {
        on: api.call("GET", f"/exchange-rates?currency=USD&on={on}")
        for on in ("2025-03-02", "2025-03-03", "2025-03-09", "2025-03-10", "2026-01-01")
    }
    assert [(on, status, body.get("rate"), body.get("valid_from")) for on, (status, body) in answers.items()] == [
        ("2025-03-02", 404, None, None),  # before the first rate
        ("2025-03-03", 200, "7.150000", "2025-03-03"),
        ("2025-03-09", 200, "7.150000", "2025-03-03"),  # until the currency's next rate
        ("2025-03-10", 200, "7.200000", "2025-03-10"),
        ("2026-01-01", 200, "7.200000", "2025-03-10"),
    ]
    assert answers["2025-03-02"][1]["code"] == "NO_EXCHANGE_RATE"
    status, body = api.call("GET", "/exchange-rates?currency=EUR&on=2025-03-09")
    assert (status, body["code"]) == (404, "NO_EXCHANGE_RATE")  # EUR starts on the 10th


def test_the_base_currency_is_one_and_today_is_the_default_date(api: Any) -> None:
    assert api.ok("GET", "/exchange-rates?currency=CNY&on=2025-03-03") == {
        "currency": "CNY",
        "base_currency": "CNY",
        "on": "2025-03-03",
        "rate": "1.000000",
        "valid_from": None,
        "version": None,
        "set_at": None,
    }
    today = utcnow().date()
    api.deliver(RATE_SET, _rate("USD", today - timedelta(days=1), "7.3", 1))
    api.deliver(RATE_SET, _rate("USD", today + timedelta(days=1), "7.4", 1))  # from tomorrow: not yet
    answer = api.ok("GET", "/exchange-rates?currency=USD", role="viewer")
    assert (answer["on"], answer["rate"]) == (today.isoformat(), "7.300000")


def test_a_rate_in_another_base_currency_is_never_answered_as_one_in_sales_base(api: Any) -> None:
    api.deliver(RATE_SET, _rate("USD", date(2025, 3, 3), "0.92", 1, base="EUR"))
    status, body = api.call("GET", "/exchange-rates?currency=USD&on=2025-03-03")
    assert (status, body["code"]) == (404, "NO_EXCHANGE_RATE")
    assert "in CNY" in body["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "",  # currency is required
        "?currency=usd",
        "?currency=USD&on=2025-02-30",
    ],
)
def test_bad_queries_are_problems(api: Any, query: str) -> None:
    status, problem = api.call("GET", f"/exchange-rates{query}")
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED")


def test_sales_readers_may_read_the_rates_others_may_not(api: Any) -> None:
    for role in ("sales", "sales_manager", "warehouse", "accountant", "viewer"):
        assert api.call("GET", "/exchange-rates?currency=CNY", role=role)[0] == 200, role
    status, body = api.call("GET", "/exchange-rates?currency=CNY", role="purchaser")
    assert (status, body["code"]) == (403, "ROLE_NOT_PERMITTED")
