"""Adjustments, transfers and stocktakes through the inventory API, on real PostgreSQL.

Stock is seeded through the ledger; every number asserted is worked out in a comment next to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from psi_chassis.types import utcnow
from psi_inventory.service import reservations
from psi_inventory.service.ledger import Ledger, Source
from psi_inventory.service.transfers import stock_in_transit
from psi_inventory.testing import API, T0, InventoryApi, inventory_api

pytestmark = pytest.mark.integration

D = Decimal


class Env(InventoryApi):
    def snapshot(self) -> dict[str, Any]:
        """Everything a refused request must leave alone: row counts, balances and layers as they are."""
        with self.db.engine.connect() as conn:
            counts = {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in (
                    "documents",
                    "document_lines",
                    "stock_moves",
                    "cost_layers",
                    "outbox",
                    "stock_balances",
                    "reservations",
                )
            }
            balances = conn.execute(
                text(
                    "SELECT sku, warehouse_code, on_hand, reserved, value, value_fifo "
                    "FROM stock_balances ORDER BY sku, warehouse_code"
                )
            ).all()
            layers = conn.execute(text("SELECT id, remaining FROM cost_layers ORDER BY id")).all()
            statuses = conn.execute(text("SELECT id, status, updated_at FROM documents ORDER BY id")).all()
            lines = conn.execute(
                text("SELECT document_id, line_no, quantity, value FROM document_lines ORDER BY document_id, line_no")
            ).all()
        return {
            "counts": counts,
            "balances": [tuple(r) for r in balances],
            "layers": [tuple(r) for r in layers],
            "documents": [tuple(r) for r in statuses],
            "lines": [tuple(r) for r in lines],
        }


@pytest.fixture
def env(psi_databases: Any) -> Iterator[Env]:
    with inventory_api(
        psi_databases,
        kind=Env,
        warehouses=[("WH-A", True, "moving_average"), ("WH-B", True, "fifo"), ("WH-OFF", False, "moving_average")],
        items=[("SKU-1", True), ("SKU-2", True), ("OLD", False), ("OLD2", False)],
    ) as api:
        yield api


@pytest.fixture
def stocked(env: Env) -> Env:
    """WH-A: SKU-1 10 @ 2.00 then 10 @ 4.00 (20 units worth 60, moving average 3.00; FIFO layers 10@2, 10@4);
    SKU-2 10 @ 1.50 (worth 15)."""
    env.receive("SKU-1", "WH-A", "10", "2.00")
    env.receive("SKU-1", "WH-A", "10", "4.00")
    env.receive("SKU-2", "WH-A", "10", "1.50")
    return env


# --- transfers ----------------------------------------------------------------------------------------------


def test_transfer_carries_value_both_ways_and_receipt_restores_it(stocked: Env) -> None:
    env = stocked
    status, shipped = env.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-1", "quantity": "15"}]},
    )
    assert status == 201, shipped
    assert shipped["number"] == f"TRF-{shipped['id']:06d}" and shipped["status"] == "in_transit"
    (line,) = shipped["lines"]
    # moving average: 60 × 15 / 20 = 45; FIFO: 10 × 2 + 5 × 4 = 20 + 20 = 40
    assert (D(line["value"]), D(line["value_fifo"])) == (D("45"), D("40"))
    assert D(line["unit_cost"]) == D("3")  # 45 / 15
    assert [(D(ly["quantity"]), D(ly["unit_cost"])) for ly in line["layers"]] == [(D(10), D(2)), (D(5), D(4))]
    # in transit: all that the transfer carries (45 moving average, 40 FIFO)
    assert (D(shipped["in_transit_value"]), D(shipped["in_transit_value_fifo"])) == (D("45"), D("40"))
    assert shipped["received_at"] is None

    # the source keeps 20 − 15 = 5 units worth 60 − 45 = 15 (MA) and 60 − 40 = 20 (FIFO: 5 @ 4)
    assert env.balance("SKU-1", "WH-A") == (D(5), D(0), D(15), D(20))
    assert env.layers("SKU-1", "WH-A") == [(D(5), D(4))]
    assert env.balance("SKU-1", "WH-B") == (D(0), D(0), D(0), D(0))
    with env.db.unit_of_work() as session:
        assert stock_in_transit(session) == {"value": D("45"), "value_fifo": D("40")}

    (event,) = env.events("inventory.StockTransferred.v1")
    assert event["subject"] == shipped["number"]
    data = event["data"]
    assert (data["status"], data["from_warehouse"], data["to_warehouse"]) == ("shipped", "WH-A", "WH-B")
    assert (D(data["lines"][0]["value"]), D(data["lines"][0]["value_fifo"])) == (D("45"), D("40"))

    status, got = env.get(f"/transfers/{shipped['id']}")
    assert status == 200 and got == shipped

    status, received = env.post(f"/transfers/{shipped['id']}/receive")
    assert status == 200, received
    assert received["status"] == "received" and received["received_at"] is not None
    assert (D(received["in_transit_value"]), D(received["in_transit_value_fifo"])) == (D(0), D(0))
    # the destination books exactly what left: 15 units worth 45 (MA) and 40 (FIFO) in the same two layers
    assert env.balance("SKU-1", "WH-B") == (D(15), D(0), D(45), D(40))
    assert env.layers("SKU-1", "WH-B") == [(D(10), D(2)), (D(5), D(4))]
    # company total unchanged: 15 + 45 = 60 (MA), 20 + 40 = 60 (FIFO)
    with env.db.unit_of_work() as session:
        assert stock_in_transit(session) == {"value": D(0), "value_fifo": D(0)}
        unit_cost = session.execute(text("SELECT unit_cost FROM stock_moves WHERE kind = 'transfer_in'")).scalar()
    assert unit_cost == D("3")  # 45 / 15
    shipped_event, received_event = env.events("inventory.StockTransferred.v1")
    assert received_event["data"]["status"] == "received"
    assert received_event["data"]["lines"] == shipped_event["data"]["lines"]

    # the restored layers are real: WH-B is FIFO, so issuing 12 costs 10 × 2 + 2 × 4 = 28
    with env.db.unit_of_work() as session:
        posted = Ledger(session).issue("SKU-1", "WH-B", "issue", D(12), Source(T0, "SO-1"))
        session.commit()
    assert posted.value_fifo == D("-28")

    before = env.snapshot()
    status, problem = env.post(f"/transfers/{shipped['id']}/receive")
    assert (status, problem["code"]) == (409, "INVALID_STATUS")
    assert env.snapshot() == before


def test_transfer_to_the_same_warehouse_is_refused_and_writes_nothing(stocked: Env) -> None:
    before = stocked.snapshot()
    status, problem = stocked.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-A", "lines": [{"sku": "SKU-1", "quantity": "1"}]},
    )
    assert (status, problem["code"]) == (422, "SAME_WAREHOUSE")
    assert "to_warehouse_code" in problem["errors"]
    assert stocked.snapshot() == before


def test_transfer_refuses_bad_lines_and_warehouses_and_writes_nothing(stocked: Env) -> None:
    before = stocked.snapshot()
    status, problem = stocked.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-OFF", "lines": [{"sku": "NOPE", "quantity": "1"}]},
    )
    assert status == 422
    assert "to_warehouse_code" in problem["errors"] and "sku" in problem["errors"]["lines"]["0"]
    for quantity in ("0", "-1", 1):
        status, problem = stocked.post(
            "/transfers",
            {
                "from_warehouse_code": "WH-A",
                "to_warehouse_code": "WH-B",
                "lines": [{"sku": "SKU-1", "quantity": quantity}],
            },
        )
        assert status == 422 and "quantity" in problem["errors"]["lines"]["0"], quantity
    # 21 > 20 on hand
    status, problem = stocked.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-1", "quantity": "21"}]},
    )
    assert (status, problem["code"]) == (409, "INSUFFICIENT_STOCK")
    assert stocked.snapshot() == before
    status, problem = stocked.post("/transfers/999/receive")
    assert (status, problem["code"]) == (404, "TRANSFER_NOT_FOUND")


# --- adjustments --------------------------------------------------------------------------------------------


def test_adjustment_books_gains_at_cost_and_losses_at_the_books_value(stocked: Env) -> None:
    env = stocked
    status, adjustment = env.post(
        "/adjustments",
        {
            "warehouse_code": "WH-A",
            "reason_code": "damage",
            "occurred_at": "2025-03-02T10:00:00+08:00",
            "note": "forklift",
            "lines": [{"sku": "SKU-1", "quantity": "-4"}, {"sku": "SKU-2", "quantity": "3"}],
        },
    )
    assert status == 201, adjustment
    assert adjustment["number"] == f"ADJ-{adjustment['id']:06d}" and adjustment["status"] == "posted"
    lost, found = adjustment["lines"]
    # SKU-1 −4: moving average 60 × 4 / 20 = 12, FIFO 4 × 2 = 8 (oldest layer), unit cost 12 / 4 = 3
    assert (D(lost["quantity"]), D(lost["value"]), D(lost["value_fifo"]), D(lost["unit_cost"])) == (
        D(-4),
        D(-12),
        D(-8),
        D(3),
    )
    # SKU-2 +3 at the current cost 15 / 10 = 1.50: 3 × 1.50 = 4.50
    assert (D(found["quantity"]), D(found["value"]), D(found["unit_cost"])) == (D(3), D("4.5"), D("1.5"))
    assert D(adjustment["total_value"]) == D("-7.5")  # −12 + 4.50
    assert adjustment["occurred_at"].startswith("2025-03-02T02:00:00")
    assert env.balance("SKU-1", "WH-A") == (D(16), D(0), D(48), D(52))  # 60 − 12 = 48; 60 − 8 = 52
    assert env.balance("SKU-2", "WH-A") == (D(13), D(0), D("19.5"), D("19.5"))  # 15 + 4.50

    (event,) = env.events("inventory.StockAdjusted.v1")
    data = event["data"]
    assert (data["document_ref"], data["reason_code"], data["adjustment_id"]) == (
        adjustment["number"],
        "damage",
        str(adjustment["id"]),
    )
    assert [D(ln["quantity"]) for ln in data["lines"]] == [D(-4), D(3)]
    assert D(data["total_value"]) == D("-7.5")

    status, got = env.get(f"/adjustments/{adjustment['id']}")
    assert status == 200 and got == adjustment

    # a gain at a given cost: 2 × 5.25 = 10.50
    status, second = env.post(
        "/adjustments",
        {
            "warehouse_code": "WH-A",
            "reason_code": "found",
            "lines": [{"sku": "SKU-2", "quantity": "2", "unit_cost": "5.25"}],
        },
    )
    assert status == 201 and D(second["lines"][0]["value"]) == D("10.5")
    assert second["number"] != adjustment["number"]


def test_negative_adjustment_beyond_available_is_refused_and_writes_nothing(stocked: Env) -> None:
    env = stocked
    with env.db.unit_of_work() as session:
        assert reservations.reserve(session, "SO-9", "WH-A", [reservations.ReservationLine(1, "SKU-1", D(5))]) == []
        session.commit()
    before = env.snapshot()
    # available = 20 on hand − 5 reserved = 15; taking 16 would eat the reservation
    status, problem = env.post(
        "/adjustments",
        {
            "warehouse_code": "WH-A",
            "reason_code": "write_off",
            "lines": [{"sku": "SKU-2", "quantity": "3"}, {"sku": "SKU-1", "quantity": "-16"}],
        },
    )
    assert (status, problem["code"]) == (409, "INSUFFICIENT_STOCK")
    assert "quantity" in problem["errors"]["lines"]["1"]
    assert env.snapshot() == before  # not even the SKU-2 gain that was booked first
    # exactly what is available is fine: 15
    status, _ = env.post(
        "/adjustments",
        {"warehouse_code": "WH-A", "reason_code": "write_off", "lines": [{"sku": "SKU-1", "quantity": "-15"}]},
    )
    assert status == 201
    assert env.balance("SKU-1", "WH-A")[:2] == (D(5), D(5))


@pytest.mark.parametrize(
    "body,field",
    [
        ({"warehouse_code": "WH-A", "reason_code": "damage", "lines": [{"sku": "NOPE", "quantity": "1"}]}, "lines"),
        (
            {"warehouse_code": "WH-OFF", "reason_code": "damage", "lines": [{"sku": "SKU-1", "quantity": "1"}]},
            "warehouse_code",
        ),
        (
            {"warehouse_code": "WH-X", "reason_code": "damage", "lines": [{"sku": "SKU-1", "quantity": "1"}]},
            "warehouse_code",
        ),
        ({"warehouse_code": "WH-A", "reason_code": "damage", "lines": [{"sku": "SKU-1", "quantity": "0"}]}, "lines"),
        ({"warehouse_code": "WH-A", "reason_code": "damage", "lines": [{"sku": "SKU-1", "quantity": 1}]}, "lines"),
        (
            {"warehouse_code": "WH-A", "reason_code": "theft", "lines": [{"sku": "SKU-1", "quantity": "1"}]},
            "reason_code",
        ),
        (
            {
                "warehouse_code": "WH-A",
                "reason_code": "damage",
                "lines": [{"sku": "SKU-1", "quantity": "-1", "unit_cost": "2"}],
            },
            "lines",
        ),
        (
            {
                "warehouse_code": "WH-A",
                "reason_code": "damage",
                "lines": [{"sku": "SKU-1", "quantity": "1", "unit_cost": "-2"}],
            },
            "lines",
        ),
        (
            {
                "warehouse_code": "WH-A",
                "reason_code": "damage",
                "occurred_at": "2025-03-02T10:00:00",
                "lines": [{"sku": "SKU-1", "quantity": "1"}],
            },
            "occurred_at",
        ),
        ({"warehouse_code": "WH-A", "reason_code": "damage", "lines": []}, "lines"),
    ],
)
def test_bad_adjustments_are_422_and_write_nothing(stocked: Env, body: dict[str, Any], field: str) -> None:
    before = stocked.snapshot()
    status, problem = stocked.post("/adjustments", body)
    assert status == 422, problem
    assert field in problem["errors"]
    assert stocked.snapshot() == before


# --- stocktakes ---------------------------------------------------------------------------------------------


def test_stocktake_posts_counted_minus_book_at_the_current_cost(stocked: Env) -> None:
    env = stocked
    with env.db.unit_of_work() as session:
        Ledger(session).lock("OLD", "WH-A")  # inactive and empty: not worth counting
        session.commit()
    env.receive("OLD2", "WH-A", "1", "1.00")  # inactive but still in stock: counted
    status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A"})
    assert status == 201, stocktake
    assert stocktake["number"] == f"STK-{stocktake['id']:06d}" and stocktake["status"] == "open"
    assert [(ln["sku"], D(ln["book_quantity"]), ln["counted_quantity"]) for ln in stocktake["lines"]] == [
        ("OLD2", D(1), None),
        ("SKU-1", D(20), None),
        ("SKU-2", D(10), None),
    ]
    sid = stocktake["id"]

    # counts in two requests; SKU-1's second count overwrites the first
    status, counted = env.post(f"/stocktakes/{sid}/counts", {"counts": [{"sku": "SKU-1", "counted_quantity": "18"}]})
    assert status == 200 and counted["counted_lines"] == 1
    status, counted = env.post(
        f"/stocktakes/{sid}/counts",
        {"counts": [{"sku": "SKU-1", "counted_quantity": "17"}, {"sku": "SKU-2", "counted_quantity": "12"}]},
    )
    assert status == 200
    by_sku = {ln["sku"]: ln for ln in counted["lines"]}
    assert D(by_sku["SKU-1"]["difference"]) == D(-3)  # 17 − 20
    assert D(by_sku["SKU-2"]["difference"]) == D(2)  # 12 − 10
    assert by_sku["OLD2"]["difference"] is None  # not counted

    # stock moves after the count: SKU-2 +5 @ 3.00 → 15 units worth 15 + 15 = 30, current cost 30 / 15 = 2.00
    env.receive("SKU-2", "WH-A", "5", "3.00", at=utcnow())
    status, posted = env.post(f"/stocktakes/{sid}/post")
    assert status == 200, posted
    assert posted["status"] == "posted" and posted["posted_at"] is not None
    by_sku = {ln["sku"]: ln for ln in posted["lines"]}
    # SKU-1: 17 − 20 = −3, issued at the books' value: 60 × 3 / 20 = 9 (MA), 3 × 2 = 6 (FIFO), 3.00 a unit
    assert (D(by_sku["SKU-1"]["value"]), D(by_sku["SKU-1"]["value_fifo"]), D(by_sku["SKU-1"]["unit_cost"])) == (
        D(-9),
        D(-6),
        D(3),
    )
    # SKU-2: 12 − 10 (the book when it was counted, not the 15 now on hand) = +2 at the current cost 2.00 → 4.00
    assert (D(by_sku["SKU-2"]["value"]), D(by_sku["SKU-2"]["unit_cost"])) == (D(4), D(2))
    assert by_sku["OLD2"]["value"] is None
    assert D(posted["total_value"]) == D(-5)  # −9 + 4
    assert env.balance("SKU-1", "WH-A") == (D(17), D(0), D(51), D(54))  # 60 − 9; 60 − 6
    assert env.balance("SKU-2", "WH-A") == (D(17), D(0), D(34), D(34))  # 15 + 2 units; 30 + 4
    assert env.balance("OLD2", "WH-A")[0] == D(1)

    (event,) = env.events("inventory.StockAdjusted.v1")
    data = event["data"]
    assert (data["reason_code"], data["document_ref"], data["warehouse_code"]) == (
        "stocktake",
        posted["number"],
        "WH-A",
    )
    assert [(ln["sku"], D(ln["quantity"]), D(ln["value"])) for ln in data["lines"]] == [
        ("SKU-1", D(-3), D(-9)),
        ("SKU-2", D(2), D(4)),
    ]
    assert D(data["total_value"]) == D(-5)

    # posting twice, counting or cancelling after posting: 409, and nothing changes
    before = env.snapshot()
    for action, body in (
        ("post", None),
        ("counts", {"counts": [{"sku": "SKU-1", "counted_quantity": "1"}]}),
        ("cancel", None),
    ):
        status, problem = env.post(f"/stocktakes/{sid}/{action}", body)
        assert (status, problem["code"]) == (409, "INVALID_STATUS"), action
    assert env.snapshot() == before
    assert len(env.events("inventory.StockAdjusted.v1")) == 1
    status, got = env.get(f"/stocktakes/{sid}")
    assert status == 200 and got == posted


def test_stocktake_of_named_skus_counts_and_cancel(stocked: Env) -> None:
    env = stocked
    status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A", "skus": ["SKU-2", "SKU-1"]})
    assert status == 201
    # as asked; a SKU never stocked here would be frozen at 0
    assert [(ln["line_no"], ln["sku"], D(ln["book_quantity"])) for ln in stocktake["lines"]] == [
        (1, "SKU-2", D(10)),
        (2, "SKU-1", D(20)),
    ]
    sid = stocktake["id"]
    before = env.snapshot()
    status, problem = env.post(f"/stocktakes/{sid}/counts", {"counts": [{"sku": "OLD2", "counted_quantity": "1"}]})
    assert status == 422 and "sku" in problem["errors"]["counts"]["0"]
    status, problem = env.post(f"/stocktakes/{sid}/counts", {"counts": [{"sku": "SKU-1", "counted_quantity": "-1"}]})
    assert status == 422
    assert env.snapshot() == before

    status, cancelled = env.post(f"/stocktakes/{sid}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    before = env.snapshot()
    status, problem = env.post(f"/stocktakes/{sid}/post")
    assert (status, problem["code"]) == (409, "INVALID_STATUS")
    assert env.snapshot() == before


def test_bad_stocktakes_are_refused_and_write_nothing(stocked: Env) -> None:
    env = stocked
    before = env.snapshot()
    for body, field in (
        ({"warehouse_code": "WH-OFF"}, "warehouse_code"),
        ({"warehouse_code": "WH-A", "skus": ["NOPE"]}, "skus"),
        ({"warehouse_code": "WH-A", "skus": ["SKU-1", "SKU-1"]}, "skus"),
        ({"warehouse_code": "WH-B"}, "skus"),
    ):  # WH-B holds nothing: NOTHING_TO_COUNT
        status, problem = env.post("/stocktakes", body)
        assert status == 422 and field in problem["errors"], (body, problem)
    assert env.snapshot() == before
    status, problem = env.get("/stocktakes/12345")
    assert (status, problem["code"]) == (404, "STOCKTAKE_NOT_FOUND")
    status, problem = env.get("/adjustments/12345")
    assert (status, problem["code"]) == (404, "ADJUSTMENT_NOT_FOUND")


def test_a_document_is_only_found_under_its_own_kind(stocked: Env) -> None:
    status, adjustment = stocked.post(
        "/adjustments",
        {"warehouse_code": "WH-A", "reason_code": "sample", "lines": [{"sku": "SKU-2", "quantity": "-1"}]},
    )
    assert status == 201
    assert stocked.get(f"/transfers/{adjustment['id']}")[0] == 404
    assert stocked.post(f"/stocktakes/{adjustment['id']}/post")[0] == 404


def test_creating_returns_the_location_of_the_document(stocked: Env) -> None:
    response = stocked.client.post(
        API + "/transfers",
        headers=stocked.headers,
        json={"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-2", "quantity": "1"}]},
    )
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/inventory/transfers/{response.get_json()['id']}")


def test_two_concurrent_receipts_of_one_transfer_book_it_once(stocked: Env) -> None:
    status, shipped = stocked.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-2", "quantity": "4"}]},
    )
    assert status == 201
    results: list[int] = []

    def receive() -> None:
        client = stocked.client.application.test_client()
        response = client.post(f"{API}/transfers/{shipped['id']}/receive", headers=stocked.headers, json={})
        results.append(response.status_code)

    threads = [threading.Thread(target=receive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409, 409, 409]
    # booked once: 4 units at 1.50 = 6.00, not 8 or 16 units
    assert stocked.balance("SKU-2", "WH-B") == (D(4), D(0), D(6), D(6))
