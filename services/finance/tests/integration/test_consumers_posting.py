"""Finance's consumer on real PostgreSQL: inventory's and sales' events post once each, at the values the
producers booked; a shipment becomes an invoice and a return a credit note, with the customer's balance
announced for sales' credit control; a foreign-currency document waits parked instead of being guessed.

Figures by hand, from the golden examples: the receipt 9865.92; the shipment 10 x 78.66 + 150 x 0.76 = 900.60
net and 117.078 tax (13 %); the return 3 x 78.66 = 235.98 net and 30.6774 tax; restocked at 267.1275; the damaged
unit written off at 89.0425.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.events.finance import CUSTOMER_BALANCE_CHANGED_V1, INVOICE_ISSUED_V1
from psi_contracts.examples import load_example
from psi_finance.app import SERVICE

pytestmark = pytest.mark.integration
D = Decimal


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _deliver(api: Any, event_type: str, name: str, **changes: Any) -> list[str]:
    data = {**load_example(event_type)["data"], **changes}
    envelope = parse_envelope(make_envelope(event_type, data, source=event_type.split(".")[0], event_id=_id(name)))
    (handler,) = [h for h in SERVICE.handlers if event_type in h.subscriptions]
    return api.runner.apply_envelopes(handler, [envelope])


def _balances(api: Any) -> dict[str, Decimal]:
    with api.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT account, sum(debit) - sum(credit) FROM journal_lines GROUP BY account ORDER BY account")
        ).all()
    return {code: D(amount) for code, amount in rows if D(amount) != 0}


def test_every_golden_example_finance_consumes_posts_once(api: Any) -> None:
    for handler in SERVICE.handlers:
        for event_type in sorted(handler.event_types):
            first = _deliver(api, event_type, f"golden-{event_type}")
            again = _deliver(api, event_type, f"golden-{event_type}")
            assert (first, again) == (["ack"], ["duplicate"]), event_type
    balances = _balances(api)
    issued = D(load_example("inventory.StockIssued.v1")["data"]["total_cost"])
    supplier = D(load_example("inventory.SupplierReturnIssued.v1")["data"]["total_value"])
    adjusted = D(load_example("inventory.StockAdjusted.v1")["data"]["total_value"])
    # Inventory: + receipt − issue + adjustment − supplier return + restocked return − shipped into transit
    # (3561.70 + 224.96 = 3786.66 at moving average, the method of a warehouse finance has not heard of)
    inventory = D("9865.92") - issued + adjusted - supplier + D("267.1275") - D("3786.66")
    assert balances["1405"] == inventory and balances["1406"] == D("3786.66")
    assert balances["2204"] == -(D("9865.92") - supplier)  # GRNI
    assert balances["5401"] == issued - D("267.1275")  # COGS less the return's cost
    # AR: invoice 1017.678 − credit note 266.6574 = 751.0206; revenue 900.60; returns 235.98; VAT 117.078 − 30.6774
    assert balances["1122"] == D("751.0206")
    assert (balances["5001"], balances["5002"], balances["2221.02"]) == (D("-900.60"), D("235.98"), D("-86.4006"))
    assert sum(balances.values()) == 0


def test_a_shipment_is_invoiced_and_the_customer_balance_announced(api: Any) -> None:
    _deliver(api, "sales.OrderShipped.v1", "ship-1")
    (invoice,) = api.events(INVOICE_ISSUED_V1)
    assert (invoice["kind"], invoice["number"], invoice["customer_id"]) == ("invoice", "INV-000001", "1042")
    assert (invoice["issued_on"], invoice["due_on"]) == ("2025-03-19", "2025-04-18")  # 30 days' terms
    assert (D(invoice["net_amount"]), D(invoice["tax_amount"]), D(invoice["total_amount"])) == (
        D("900.60"),
        D("117.078"),
        D("1017.678"),
    )
    _deliver(api, "sales.ReturnReceived.v1", "return-1")
    changes = api.events(CUSTOMER_BALANCE_CHANGED_V1)
    assert [(c["version"], D(c["open_receivables"])) for c in changes] == [(1, D("1017.678")), (2, D("751.0206"))]
    assert api.events(INVOICE_ISSUED_V1)[1]["number"] == "CN-000002"
    assert _deliver(api, "sales.OrderShipped.v1", "ship-1") == ["duplicate"]
    assert len(api.events(CUSTOMER_BALANCE_CHANGED_V1)) == 2


def test_a_foreign_currency_shipment_is_parked_not_guessed(api: Any) -> None:
    assert _deliver(api, "sales.OrderShipped.v1", "ship-usd", currency="USD") == ["ack"]
    assert api.scalar("SELECT count(*) FROM journal_entries") == 0
    assert api.scalar("SELECT reason FROM parked_events WHERE event_id = :id", id=_id("ship-usd")).startswith(
        "no exchange rate for USD on 2025-03-19"
    )
    assert api.events(INVOICE_ISSUED_V1) == []
