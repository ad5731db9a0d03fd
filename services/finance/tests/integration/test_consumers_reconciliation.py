"""Inventory reconciliation on real PostgreSQL: the books' Inventory per warehouse against what inventory's events
state, zero when every event posted, and naming the event whose posting was withheld.

By hand: WH-MA (moving average) receives 10 at 8.00 = 80.00 and ships 4 to WH-FIFO: 32.00 leave at moving average,
30.00 arrive at FIFO (the layers it carries), 2.00 to inventory gains and losses. Then a loss of 8.00 at WH-MA
whose posting is withheld: WH-MA states 40.00, the books hold 48.00.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.examples import load_example
from psi_finance.app import SERVICE
from psi_finance.service import on_inventory_events
from psi_finance.service.reconciliation import inventory_reconciliation, largest_difference

pytestmark = pytest.mark.integration
D = Decimal


def _deliver(api: Any, event_type: str, name: str, **changes: Any) -> str:
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    data = {**load_example(event_type)["data"], **changes}
    envelope = parse_envelope(make_envelope(event_type, data, source="inventory", event_id=event_id))
    (handler,) = [h for h in SERVICE.handlers if event_type in h.subscriptions]
    assert api.runner.apply_envelopes(handler, [envelope]) == ["ack"]
    return event_id


def _month(api: Any) -> None:
    for code, method in (("WH-MA", "moving_average"), ("WH-FIFO", "fifo")):
        _deliver(api, "inventory.WarehouseCreated.v1", code, code=code, valuation_method=method, version=1)
    line = {"sku": "W", "quantity": "10", "unit_cost": "8", "value": "80"}
    _deliver(api, "inventory.StockReceived.v1", "grn", warehouse_code="WH-MA", lines=[line], total_value="80")
    moved = [{"line_no": 1, "sku": "W", "quantity": "4", "value": "32", "value_fifo": "30"}]
    common = {"from_warehouse": "WH-MA", "to_warehouse": "WH-FIFO", "lines": moved}
    _deliver(api, "inventory.StockTransferred.v1", "shipped", status="shipped", **common)
    _deliver(api, "inventory.StockTransferred.v1", "received", status="received", **common)


def test_the_books_and_inventory_agree_warehouse_by_warehouse(api: Any) -> None:
    _month(api)
    report = inventory_reconciliation(api.db, None)
    assert [(w["warehouse_code"], w["stated"], w["posted"]) for w in report["warehouses"]] == [
        ("WH-FIFO", D(30), D(30)),
        ("WH-MA", D(48), D(48)),
    ]
    assert report["reconciled"] is True and report["difference"] == 0
    assert (report["stated"], report["books"], report["other_postings"]) == (D(78), D(78), D(0))
    with api.db.unit_of_work() as session:
        assert largest_difference(session) == 0
    in_transit = api.scalar("SELECT sum(debit) - sum(credit) FROM journal_lines WHERE account = '1406'")
    revaluation = api.scalar("SELECT sum(debit) - sum(credit) FROM journal_lines WHERE account = '5402'")
    assert (D(in_transit), D(revaluation)) == (D(0), D(2))  # nothing left in transit; 2.00 lost by the change


def test_a_withheld_posting_is_named(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _month(api)
    monkeypatch.setattr(on_inventory_events, "post_entry", lambda *args, **kwargs: None)  # withheld on purpose
    loss = {"warehouse_code": "WH-MA", "total_value": "-8", "document_ref": "ADJ-000009"}
    withheld = _deliver(api, "inventory.StockAdjusted.v1", "loss", **loss)
    report = inventory_reconciliation(api.db, None)
    ma = next(w for w in report["warehouses"] if w["warehouse_code"] == "WH-MA")
    assert (ma["stated"], ma["posted"], ma["difference"]) == (D(40), D(48), D(8))
    assert [(e["event_id"], e["event_type"], e["document_ref"]) for e in ma["differing_events"]] == [
        (withheld, "inventory.StockAdjusted.v1", "ADJ-000009")
    ]
    assert report["reconciled"] is False and (report["stated"], report["books"]) == (D(70), D(78))
    with api.db.unit_of_work() as session:
        assert largest_difference(session) == 8.0


def test_the_reconciliation_through_the_api(api: Any) -> None:
    _month(api)
    answer = api.ok("GET", "/reconciliation/inventory")
    assert (answer["reconciled"], answer["books"], answer["stated"]) == (True, "78.000000", "78.000000")
    assert [w["warehouse_code"] for w in answer["warehouses"]] == ["WH-FIFO", "WH-MA"]
    early = api.ok("GET", "/reconciliation/inventory?as_of=2020-01-01T00:00:00Z")
    assert (early["warehouses"], early["books"]) == ([], "0.000000")
    status, problem = api.call("GET", "/reconciliation/inventory?as_of=yesterday")
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED")
