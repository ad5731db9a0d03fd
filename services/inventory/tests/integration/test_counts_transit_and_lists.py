"""Issue 8 through the inventory API on real PostgreSQL: stocktakes against the book at the time of counting
(point 10), stock in transit as of a time (9), business times in the future (11), reservations naming what
inventory does not know (17), and the lists, stock card and stock value a clerk needs (20).

Every figure is worked out in a comment beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from psi_chassis.app import create_service_app
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import stock_moves
from psi_inventory.app import SERVICE
from psi_inventory.testing import T0, InventoryApi, inventory_api

pytestmark = pytest.mark.integration

D = Decimal


class Env(InventoryApi):
    def counts(self) -> dict[str, Any]:
        with self.db.engine.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("documents", "document_lines", "stock_moves", "outbox", "reservations")
            } | {
                "lines": conn.execute(
                    text("SELECT document_id, line_no, quantity, counted_at FROM document_lines ORDER BY 1, 2")
                ).all(),
                "statuses": conn.execute(text("SELECT id, status FROM documents ORDER BY id")).all(),
            }


@pytest.fixture
def env(psi_databases: Any) -> Iterator[Env]:
    with inventory_api(
        psi_databases,
        kind=Env,
        warehouses=[("WH-A", True, "moving_average"), ("WH-B", True, "fifo"), ("WH-OFF", False, "moving_average")],
        items=[("SKU-1", True), ("SKU-2", True)],
    ) as api:
        yield api


# --- point 10: a stocktake compares the count with the book at the time of counting ---------------------------


def test_a_receipt_between_freezing_and_counting_is_in_the_book_of_the_count(env: Env) -> None:
    env.receive("SKU-1", "WH-A", "5", "2.00")  # 5 on hand worth 10
    env.receive("SKU-2", "WH-A", "5", "2.00")
    status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A", "skus": ["SKU-1", "SKU-2"]})
    assert status == 201 and [D(ln["book_quantity"]) for ln in stocktake["lines"]] == [D(5), D(5)]  # frozen at 5
    sid = stocktake["id"]
    counted_before = utcnow()  # SKU-2 is counted now, before its receipt below is booked
    status, _ = env.post(f"/stocktakes/{sid}/counts", {"counts": [{"sku": "SKU-2", "counted_quantity": "5"}]})
    assert status == 200
    env.receive("SKU-1", "WH-A", "2", "2.00", at=utcnow())  # a receipt of 2: on hand 7
    env.receive("SKU-2", "WH-A", "2", "2.00", at=utcnow())  # after SKU-2 was counted
    status, counted = env.post(f"/stocktakes/{sid}/counts", {"counts": [{"sku": "SKU-1", "counted_quantity": "7"}]})
    by_sku = {ln["sku"]: ln for ln in counted["lines"]}
    # SKU-1: the book when it was counted is 5 + 2 = 7; counted 7, difference 0 (not 7 − 5 = +2).
    assert (D(by_sku["SKU-1"]["book_at_count"]), D(by_sku["SKU-1"]["difference"])) == (D(7), D(0))
    # SKU-2: counted 5 before its receipt of 2: the book then was 5, difference 0.
    assert (D(by_sku["SKU-2"]["book_at_count"]), D(by_sku["SKU-2"]["difference"])) == (D(5), D(0))
    assert datetime.fromisoformat(by_sku["SKU-2"]["counted_at"]) <= counted_before + timedelta(seconds=1)
    status, posted = env.post(f"/stocktakes/{sid}/post")
    assert status == 200 and posted["status"] == "posted"
    assert env.balance("SKU-1", "WH-A")[0] == D(7)  # 7 stays (it was 9 before the fix)
    assert env.balance("SKU-2", "WH-A")[0] == D(7)  # 5 counted + 2 that arrived after the count
    assert env.events("inventory.StockAdjusted.v1") == [], "nothing differed"


def test_a_count_below_what_is_reserved_is_posted_and_the_short_reservations_announced(env: Env) -> None:
    env.receive("SKU-2", "WH-A", "10", "1.50")  # 10 on hand worth 15
    for reference, quantity in (("R-1", "6"), ("R-2", "2")):  # 8 reserved
        status, _ = env.post(
            "/reservations",
            {"reference": reference, "warehouse_code": "WH-A", "lines": [{"sku": "SKU-2", "quantity": quantity}]},
        )
        assert status == 201
    status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A", "skus": ["SKU-2"]})
    sid = stocktake["id"]
    env.post(f"/stocktakes/{sid}/counts", {"counts": [{"sku": "SKU-2", "counted_quantity": "5"}]})
    status, posted = env.post(f"/stocktakes/{sid}/post")
    assert status == 200, posted  # 409 INSUFFICIENT_STOCK before: the books kept stock the shelf did not hold
    # 5 − 10 = −5, valued at the average 1.50: −7.50. The shelf holds 5; 8 stay reserved.
    assert env.balance("SKU-2", "WH-A") == (D(5), D(8), D("7.5"), D("7.5"))
    (adjusted,) = env.events("inventory.StockAdjusted.v1")
    assert [(D(ln["quantity"]), D(ln["value"])) for ln in adjusted["data"]["lines"]] == [(D(-5), D("-7.5"))]
    (short,) = env.events("inventory.ReservationShortfall.v1")
    data = short["data"]
    assert short["subject"] == "SKU-2"
    # reserved 8 − on hand 5 = 3 short; both references are named with what they still hold
    assert (D(data["on_hand"]), D(data["reserved"]), D(data["shortfall"]), data["document_ref"]) == (
        D(5),
        D(8),
        D(3),
        posted["number"],
    )
    assert [(r["reference"], D(r["reserved_quantity"])) for r in data["reservations"]] == [("R-1", D(6)), ("R-2", D(2))]
    # Nothing more can be reserved, and an adjustment cannot take what is reserved either.
    status, problem = env.post(
        "/reservations", {"reference": "R-3", "warehouse_code": "WH-A", "lines": [{"sku": "SKU-2", "quantity": "1"}]}
    )
    assert (status, problem["code"]) == (409, "INSUFFICIENT_STOCK")
    status, problem = env.post(
        "/adjustments",
        {"warehouse_code": "WH-A", "reason_code": "damage", "lines": [{"sku": "SKU-2", "quantity": "-1"}]},
    )
    assert (status, problem["code"]) == (409, "INSUFFICIENT_STOCK")


# --- point 9: stock in transit as of a time ---------------------------------------------------------------------


def test_stock_as_of_shows_stock_in_transit_and_counts_it_in_the_totals(env: Env) -> None:
    env.receive("SKU-1", "WH-A", "100", "1.00")  # at T0: 100 worth 100
    now = utcnow()
    shipped_at, received_at, between = now - timedelta(hours=2), now - timedelta(hours=1), now - timedelta(minutes=90)
    status, transfer = env.post(
        "/transfers",
        {
            "from_warehouse_code": "WH-A",
            "to_warehouse_code": "WH-B",
            "shipped_at": shipped_at.isoformat(),
            "lines": [{"sku": "SKU-1", "quantity": "75"}],
        },
    )
    assert status == 201, transfer
    assert datetime.fromisoformat(transfer["shipped_at"]) == shipped_at
    status, received = env.post(f"/transfers/{transfer['id']}/receive", {"received_at": received_at.isoformat()})
    assert status == 200 and datetime.fromisoformat(received["received_at"]) == received_at

    def as_of(at: datetime, **filters: str) -> tuple[dict[tuple[str, str], tuple[Decimal, ...]], dict[str, Decimal]]:
        status, page = env.get("/stock-as-of", at=at, **filters)
        assert status == 200, page
        rows = {
            (r["sku"], r["warehouse_code"]): (
                D(r["on_hand"]),
                D(r["value"]),
                D(r["in_transit"]),
                D(r["in_transit_value"]),
                D(r["in_transit_value_fifo"]),
            )
            for r in page["items"]
        }
        return rows, {k: D(v) for k, v in page["totals"].items()}

    rows, totals = as_of(shipped_at - timedelta(minutes=1))  # before it left: all 100 in WH-A
    assert rows == {("SKU-1", "WH-A"): (D(100), D(100), D(0), D(0), D(0))}
    assert totals["total_value"] == D(100)
    rows, totals = as_of(between)  # on its way: 25 left in WH-A, 75 in transit towards WH-B
    assert rows == {
        ("SKU-1", "WH-A"): (D(25), D(25), D(0), D(0), D(0)),
        ("SKU-1", "WH-B"): (D(0), D(0), D(75), D(75), D(75)),
    }
    # the company's value at that moment: 25 in WH-A + 75 in transit = 100 (it was 25 before the fix)
    assert (totals["value"], totals["in_transit_value"], totals["total_value"], totals["total_value_fifo"]) == (
        D(25),
        D(75),
        D(100),
        D(100),
    )
    rows, totals = as_of(between, warehouse_code="WH-B")  # in transit is shown at its destination
    assert rows == {("SKU-1", "WH-B"): (D(0), D(0), D(75), D(75), D(75))} and totals["total_value"] == D(75)
    rows, totals = as_of(utcnow())  # arrived: 25 + 75 on hand, nothing in transit, still 100
    assert rows == {
        ("SKU-1", "WH-A"): (D(25), D(25), D(0), D(0), D(0)),
        ("SKU-1", "WH-B"): (D(75), D(75), D(0), D(0), D(0)),
    }
    assert (totals["in_transit_value"], totals["total_value"]) == (D(0), D(100))


def test_total_stock_value_per_warehouse_with_stock_in_transit(env: Env) -> None:
    env.receive("SKU-1", "WH-A", "10", "2.00")
    env.receive("SKU-1", "WH-A", "10", "4.00")  # WH-A: 20 worth 60 both ways (average 3.00; layers 10@2, 10@4)
    env.receive("SKU-2", "WH-B", "10", "1.50")  # WH-B (FIFO books): 10 worth 15
    status, _ = env.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-1", "quantity": "15"}]},
    )
    assert status == 201
    status, value = env.get("/stock-value")
    assert status == 200 and value["currency"] == "CNY"
    per = {
        w["warehouse_code"]: (w["valuation_method"], D(w["value"]), D(w["value_fifo"]), D(w["books_value"]))
        for w in value["warehouses"]
    }
    # WH-A keeps 5: 60 − 15 × 3 = 15 (MA), 60 − (10 × 2 + 5 × 4) = 20 (FIFO); its books use the average
    assert per["WH-A"] == ("moving_average", D(15), D(20), D(15))
    assert per["WH-B"] == ("fifo", D(15), D(15), D(15))
    assert per["WH-OFF"] == ("moving_average", D(0), D(0), D(0))
    # in transit: 45 (MA) and 40 (FIFO); in the books at its source's method, the average: 45
    moving = value["in_transit"]
    assert (D(moving["value"]), D(moving["value_fifo"]), D(moving["books_value"])) == (D(45), D(40), D(45))
    total = value["total"]
    # 15 + 15 + 0 + 45 = 75 (MA); 20 + 15 + 40 = 75 (FIFO); books 15 + 15 + 45 = 75: the 75 received
    assert (D(total["value"]), D(total["value_fifo"]), D(total["books_value"])) == (D(75), D(75), D(75))
    status, only_b = env.get("/stock-value", warehouse_code="WH-B")  # WH-B and what is on its way to it
    assert [w["warehouse_code"] for w in only_b["warehouses"]] == ["WH-B"]
    assert D(only_b["total"]["value"]) == D(60)  # 15 + 45


# --- point 20: the stock card, and lists ------------------------------------------------------------------------


def test_the_stock_card_lists_moves_in_business_order_with_running_balances(env: Env) -> None:
    env.receive("SKU-1", "WH-A", "10", "2.00", at=T0)
    env.receive("SKU-1", "WH-A", "10", "4.00", at=T0 + timedelta(days=1))
    env.receive("SKU-1", "WH-A", "2", "3.00", at=T0 + timedelta(hours=12))  # booked late, happened in between
    status, _ = env.post(
        "/adjustments",
        {
            "warehouse_code": "WH-A",
            "reason_code": "damage",
            "occurred_at": (T0 + timedelta(days=2)).isoformat(),
            "lines": [{"sku": "SKU-1", "quantity": "-5"}],
        },
    )
    assert status == 201
    status, card = env.get("/stock-card", sku="SKU-1", warehouse_code="WH-A")
    assert status == 200 and card["total"] == 4
    rows = [
        (ln["kind"], D(ln["quantity"]), D(ln["balance_quantity"]), D(ln["balance_value"]), D(ln["balance_value_fifo"]))
        for ln in card["items"]
    ]
    assert rows == [
        ("receipt", D(10), D(10), D(20), D(20)),  # 10 @ 2
        ("receipt", D(2), D(12), D(26), D(26)),  # + 2 @ 3, at T0 + 12 h
        ("receipt", D(10), D(22), D(66), D(66)),  # + 10 @ 4
        # − 5 at the average (20 + 40 + 6) / 22 = 3: 15 (MA); FIFO from the oldest layer, 5 @ 2 = 10
        ("adjustment", D(-5), D(17), D(51), D(56)),
    ]
    assert card["closing"] == {"quantity": "17.000000", "value": "51.000000", "value_fifo": "56.000000"}
    status, page = env.get("/stock-card", sku="SKU-1", warehouse_code="WH-A", page=2, page_size=2)
    # page 2 starts after the first two moves: its running balance goes on from 12 worth 26
    assert [D(ln["balance_quantity"]) for ln in page["items"]] == [D(22), D(17)]
    status, ranged = env.get("/stock-card", sku="SKU-1", warehouse_code="WH-A", **{"from": T0 + timedelta(days=1)})
    # from day 1: opening = the 12 worth 26 before it; two moves in the range
    assert ranged["opening"] == {"quantity": "12.000000", "value": "26.000000", "value_fifo": "26.000000"}
    assert [D(ln["balance_quantity"]) for ln in ranged["items"]] == [D(22), D(17)]
    assert env.get("/stock-card", sku="SKU-1")[0] == 422  # a card is per SKU and warehouse


def test_lists_of_reservations_transfers_adjustments_and_stocktakes(env: Env) -> None:
    env.receive("SKU-1", "WH-A", "20", "2.00")
    env.receive("SKU-2", "WH-A", "20", "1.00")
    assert (
        env.post(
            "/reservations",
            {"reference": "R-1", "warehouse_code": "WH-A", "lines": [{"sku": "SKU-1", "quantity": "3"}]},
        )[0]
        == 201
    )
    assert (
        env.post(
            "/reservations",
            {"reference": "R-2", "warehouse_code": "WH-A", "lines": [{"sku": "SKU-2", "quantity": "1"}]},
        )[0]
        == 201
    )
    env.post("/reservations/R-2/release")
    status, page = env.get("/reservations", status="active")
    assert status == 200 and [(r["reference"], r["sku"], D(r["open"])) for r in page["items"]] == [
        ("R-1", "SKU-1", D(3))
    ]
    status, page = env.get("/reservations", sku="SKU-2")
    assert [(r["reference"], r["status"], D(r["open"])) for r in page["items"]] == [("R-2", "released", D(0))]

    status, first = env.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-1", "quantity": "2"}]},
    )
    status, second = env.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-2", "quantity": "2"}]},
    )
    env.post(f"/transfers/{first['id']}/receive")
    status, page = env.get("/transfers")
    assert status == 200 and page["total"] == 2
    assert [(t["number"], t["status"], t["from_warehouse_code"], t["to_warehouse_code"]) for t in page["items"]] == [
        (second["number"], "in_transit", "WH-A", "WH-B"),
        (first["number"], "received", "WH-A", "WH-B"),
    ]
    assert [t["number"] for t in env.get("/transfers", status="received")[1]["items"]] == [first["number"]]
    assert [t["number"] for t in env.get("/transfers", sku="SKU-2")[1]["items"]] == [second["number"]]
    assert env.get("/transfers", to_warehouse_code="WH-A")[1]["total"] == 0
    assert env.get("/transfers", warehouse_code="WH-B")[1]["total"] == 2

    status, adj = env.post(
        "/adjustments",
        {
            "warehouse_code": "WH-A",
            "reason_code": "found",
            "occurred_at": (T0 + timedelta(days=3)).isoformat(),
            "lines": [{"sku": "SKU-2", "quantity": "1"}],
        },
    )
    assert status == 201
    assert [a["number"] for a in env.get("/adjustments", reason_code="found")[1]["items"]] == [adj["number"]]
    assert env.get("/adjustments", **{"from": T0 + timedelta(days=4)})[1]["total"] == 0
    assert env.get("/adjustments", **{"from": T0 + timedelta(days=3), "to": T0 + timedelta(days=3)})[1]["total"] == 1
    assert env.get("/adjustments", **{"from": T0 + timedelta(days=3), "to": T0})[0] == 422  # to before from

    status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A", "skus": ["SKU-1"]})
    assert [(s["number"], s["status"]) for s in env.get("/stocktakes", status="open")[1]["items"]] == [
        (stocktake["number"], "open")
    ]
    assert env.get("/stocktakes", sku="SKU-2")[1]["total"] == 0


# --- point 11: no document is dated in the future -----------------------------------------------------------------


def test_every_document_refuses_a_business_time_in_the_future(env: Env) -> None:
    env.receive("SKU-1", "WH-A", "10", "2.00")
    status, transfer = env.post(
        "/transfers",
        {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-1", "quantity": "1"}]},
    )
    status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A", "skus": ["SKU-1"]})
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    before = env.counts()
    refused = [
        (
            "/adjustments",
            {
                "warehouse_code": "WH-A",
                "reason_code": "found",
                "occurred_at": tomorrow,
                "lines": [{"sku": "SKU-1", "quantity": "1"}],
            },
            ("occurred_at",),
        ),
        (
            "/transfers",
            {
                "from_warehouse_code": "WH-A",
                "to_warehouse_code": "WH-B",
                "shipped_at": tomorrow,
                "lines": [{"sku": "SKU-1", "quantity": "1"}],
            },
            ("shipped_at",),
        ),
        (f"/transfers/{transfer['id']}/receive", {"received_at": tomorrow}, ("received_at",)),
        (
            f"/stocktakes/{stocktake['id']}/counts",
            {"counts": [{"sku": "SKU-1", "counted_quantity": "9", "counted_at": tomorrow}]},
            ("counts", "0", "counted_at"),
        ),
    ]
    for path, body, where in refused:
        status, problem = env.post(path, body)
        assert status == 422, (path, problem)
        errors: Any = problem["errors"]
        for key in where:
            errors = errors[key]
        assert errors == ["Must not be in the future."], (path, problem)
    # A transfer cannot arrive before it left either.
    status, problem = env.post(f"/transfers/{transfer['id']}/receive", {"received_at": T0.isoformat()})
    assert status == 422 and "received_at" in problem["errors"]
    assert env.counts() == before, "nothing was written"

    # Within the clock skew (two minutes ahead) it is accepted and booked at the moment of booking, so no move
    # is ever dated after it was booked (stock as of now equals the live balance).
    soon = (utcnow() + timedelta(minutes=2)).isoformat()
    status, adjustment = env.post(
        "/adjustments",
        {
            "warehouse_code": "WH-A",
            "reason_code": "found",
            "occurred_at": soon,
            "lines": [{"sku": "SKU-1", "quantity": "1"}],
        },
    )
    assert status == 201
    with env.db.unit_of_work() as session:
        ahead = session.execute(
            select(stock_moves.c.id).where(stock_moves.c.occurred_at > stock_moves.c.recorded_at)
        ).all()
    assert ahead == []


# --- point 17: a reservation naming what inventory does not know --------------------------------------------------


@pytest.mark.parametrize(
    "warehouse,sku,code,where",
    [
        ("WH-A", "NO-SUCH", "UNKNOWN_SKU", ("lines", "0", "sku")),
        ("WH-NOPE", "SKU-1", "UNKNOWN_WAREHOUSE", ("warehouse_code",)),
        ("WH-OFF", "SKU-1", "INACTIVE_WAREHOUSE", ("warehouse_code",)),
    ],
)
def test_a_reservation_for_an_unknown_sku_or_warehouse_names_it(
    env: Env, warehouse: str, sku: str, code: str, where: tuple[str, ...]
) -> None:
    env.receive("SKU-1", "WH-A", "10", "2.00")
    before = env.counts()
    status, problem = env.post(
        "/reservations", {"reference": "R-X", "warehouse_code": warehouse, "lines": [{"sku": sku, "quantity": "1"}]}
    )
    assert (status, problem["code"]) == (422, code)  # it was 409 INSUFFICIENT_STOCK before
    errors: Any = problem["errors"]
    for key in where:
        errors = errors[key]
    assert (sku if "sku" in where else warehouse) in errors[0]
    assert env.counts() == before


# --- the embedded mode's database ---------------------------------------------------------------------------


def test_the_new_routes_on_sqlite(tmp_path: Any) -> None:
    """make run keeps inventory on SQLite: the migration, the saga's tables and the new reads work there too."""
    from psi_chassis.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    upgrade(SERVICE.migrations, url)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    keys = TestKeys()
    db = Database(url)
    try:
        app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=keys.verifier())
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys.token('admin')}"
        env = Env(client, db)
        for code in ("WH-A", "WH-B"):
            assert env.post("/warehouses", {"code": code, "name": code})[0] == 201
        assert env.post("/items", {"sku": "SKU-1", "name": "One"})[0] == 201
        env.receive("SKU-1", "WH-A", "10", "2.50")  # 10 worth 25
        assert (
            env.post(
                "/reservations",
                {"reference": "R-1", "warehouse_code": "WH-A", "lines": [{"sku": "SKU-1", "quantity": "4"}]},
            )[0]
            == 201
        )
        status, transfer = env.post(
            "/transfers",
            {"from_warehouse_code": "WH-A", "to_warehouse_code": "WH-B", "lines": [{"sku": "SKU-1", "quantity": "2"}]},
        )
        assert status == 201, transfer
        status, page = env.get("/stock-as-of", at=utcnow())
        assert status == 200 and D(page["totals"]["total_value"]) == D(25)  # 20 in WH-A + 5 in transit
        status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A", "skus": ["SKU-1"]})
        env.post(f"/stocktakes/{stocktake['id']}/counts", {"counts": [{"sku": "SKU-1", "counted_quantity": "3"}]})
        status, posted = env.post(f"/stocktakes/{stocktake['id']}/post")
        assert status == 200, posted
        assert env.balance("SKU-1", "WH-A")[:2] == (D(3), D(4))  # counted 3 of 8; 4 still reserved
        assert len(env.events("inventory.ReservationShortfall.v1")) == 1
        status, card = env.get("/stock-card", sku="SKU-1", warehouse_code="WH-A")
        assert status == 200 and [D(ln["balance_quantity"]) for ln in card["items"]] == [D(10), D(8), D(3)]
        status, value = env.get("/stock-value")
        assert status == 200 and D(value["total"]["value"]) == D("12.5")  # 3 × 2.50 + 2 × 2.50 in transit
        for path in ("/reservations", "/transfers", "/adjustments", "/stocktakes", "/receipts", "/returns"):
            assert env.get(path)[0] == 200, path
    finally:
        db.dispose()


def test_a_shortfall_no_reservation_holds_is_logged_not_announced(env: Env, caplog: Any) -> None:
    env.receive("SKU-1", "WH-A", "10", "1.00")
    with env.db.engine.begin() as conn:  # the reserved column drifted from the reservations (no row holds 8)
        conn.execute(text("UPDATE stock_balances SET reserved = 8 WHERE sku = 'SKU-1' AND warehouse_code = 'WH-A'"))
    status, stocktake = env.post("/stocktakes", {"warehouse_code": "WH-A", "skus": ["SKU-1"]})
    env.post(f"/stocktakes/{stocktake['id']}/counts", {"counts": [{"sku": "SKU-1", "counted_quantity": "5"}]})
    with caplog.at_level("WARNING", logger="psi_inventory.service.stocktakes"):
        status, posted = env.post(f"/stocktakes/{stocktake['id']}/post")
    assert status == 200 and env.balance("SKU-1", "WH-A")[:2] == (D(5), D(8))  # posted: 10 − 5
    assert env.events("inventory.ReservationShortfall.v1") == []  # it would name no reservation
    assert "no active reservation holds it; run rebuild-balances" in caplog.text
