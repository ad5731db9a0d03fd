"""Item master and warehouses through the inventory API, on real PostgreSQL (and one pass on SQLite, the embedded
mode's database): balance rows for every pair, events in the outbox, bad input refused with nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, select, text

from psi_chassis.app import create_service_app
from psi_chassis.messaging_tables import OUTBOX
from psi_chassis.migrations import upgrade
from psi_chassis.testing.tokens import TestKeys
from psi_contracts.envelope import parse_envelope
from psi_contracts.events import decode_data
from psi_inventory.app import SERVICE

pytestmark = pytest.mark.integration

ITEMS = "/api/v1/inventory/items"
WAREHOUSES = "/api/v1/inventory/warehouses"
KEYS = TestKeys()


class Api:
    """A test client signed in with one role, and direct reads of the service's database."""

    def __init__(self, client: FlaskClient, url: str, role: str = "admin") -> None:
        self.client = client
        self.url = url
        self.engine = create_engine(url)
        self.role = role

    def _headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {KEYS.token(role or self.role)}"}

    def call(
        self, method: str, path: str, body: Any = None, role: str | None = None, **kwargs: Any
    ) -> tuple[int, Any, Any]:
        if body is not None:
            kwargs["json"] = body
        response = self.client.open(path, method=method, headers=self._headers(role), **kwargs)
        return response.status_code, response.get_json(silent=True), response

    def post(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, Any]:
        return self.call("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, Any]:
        return self.call("PATCH", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
        return self.call("GET", path, **kwargs)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """The outbox, oldest first, as envelopes whose data is decoded against the contract."""
        with self.engine.connect() as conn:
            bodies = conn.execute(select(OUTBOX.c.body).order_by(OUTBOX.c.id)).scalars().all()
        envelopes = [parse_envelope(json.loads(body)) for body in bodies]
        for envelope in envelopes:
            envelope["data"] = decode_data(envelope["type"], envelope["data"])
        return [e for e in envelopes if event_type is None or e["type"] == event_type]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            return {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() or 0) for t in tables}


def _api(url: str) -> Iterator[Api]:
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    app = create_service_app(SERVICE, settings, configure_logs=False, verifier=KEYS.verifier())
    api = Api(app.test_client(), url)
    yield api
    api.engine.dispose()
    app.extensions["psi"].db.dispose()


@pytest.fixture
def api(psi_databases: Any) -> Iterator[Api]:
    yield from _api(psi_databases.create("inventory", SERVICE.migrations))


def _item(sku: str = "WIDGET-RED-M", **fields: Any) -> dict[str, Any]:
    return {"sku": sku, "name": f"Item {sku}", **fields}


def _created(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, created, response = api.post(path, body)
    assert status == 201, created
    return created


def _balances(api: Api) -> set[tuple[str, str]]:
    return {(r.sku, r.warehouse_code) for r in api.rows("SELECT sku, warehouse_code FROM stock_balances")}


# --- balance rows ------------------------------------------------------------------------------------------


def test_an_item_gets_a_zero_balance_row_in_every_existing_warehouse(api: Api) -> None:
    status, warehouse, response = api.post(WAREHOUSES, {"code": "WH1", "name": "Main"})
    assert status == 201, warehouse
    assert response.headers["Location"].endswith(f"{WAREHOUSES}/WH1")
    assert warehouse["valuation_method"] == "moving_average" and warehouse["active"] is True
    _created(api, WAREHOUSES, {"code": "WH2", "name": "Second", "valuation_method": "fifo"})

    status, item, response = api.post(ITEMS, _item(barcode="6901234567892", category="widgets"))
    assert status == 201, item
    assert response.headers["Location"].endswith(f"{ITEMS}/WIDGET-RED-M")
    assert item["version"] == 1 and item["active"] is True and item["unit_of_measure"] == "pcs"
    assert item["safety_stock"] == "0.000000" and item["reorder_point"] is None

    rows = api.rows(
        "SELECT warehouse_code, on_hand, reserved, value, value_fifo, below_reorder"
        " FROM stock_balances WHERE sku = 'WIDGET-RED-M' ORDER BY warehouse_code"
    )
    assert [r[0] for r in rows] == ["WH1", "WH2"]
    assert all(r[1:5] == (0, 0, 0, 0) and r[5] is False for r in rows)
    status, stock, _ = api.get("/api/v1/inventory/stock/WIDGET-RED-M")
    assert status == 200 and [b["warehouse_code"] for b in stock["warehouses"]] == ["WH1", "WH2"]


def test_a_warehouse_gets_a_zero_balance_row_for_every_existing_item(api: Api) -> None:
    _created(api, ITEMS, _item("A-1"))
    _created(api, ITEMS, _item("B-2"))
    api.post(f"{ITEMS}/B-2/deactivate")  # inactive items get their row too
    assert _balances(api) == set()

    _created(api, WAREHOUSES, {"code": "WH1", "name": "Main"})
    assert _balances(api) == {("A-1", "WH1"), ("B-2", "WH1")}
    _created(api, ITEMS, _item("C-3"))
    _created(api, WAREHOUSES, {"code": "WH2", "name": "Second"})
    assert _balances(api) == {(s, w) for s in ("A-1", "B-2", "C-3") for w in ("WH1", "WH2")}


def test_an_existing_balance_row_is_left_alone(api: Api) -> None:
    _created(api, ITEMS, _item("A-1"))
    with api.engine.begin() as conn:  # the ledger may have made a row before the warehouse was registered
        conn.execute(
            text(
                "INSERT INTO stock_balances (sku, warehouse_code, on_hand, reserved, value, value_fifo,"
                " below_reorder, updated_at) VALUES ('A-1', 'WH1', 5, 0, 10, 10, false, now())"
            )
        )
    _created(api, WAREHOUSES, {"code": "WH1", "name": "Main"})
    assert api.rows("SELECT on_hand, value FROM stock_balances") == [(Decimal("5.000000"), Decimal("10.000000"))]


# --- events and versions -----------------------------------------------------------------------------------


def test_created_then_updated_events_carry_the_whole_record_and_the_version(api: Api) -> None:
    _created(api, ITEMS, _item(barcode="6901234567892", category="widgets"))
    (created,) = api.events("inventory.ItemCreated.v1")
    assert created["subject"] == "WIDGET-RED-M" and created["source"] == "inventory" and created["sequence"] == 1
    assert created["data"]["version"] == 1
    assert created["data"]["barcode"] == "6901234567892" and created["data"]["reorder_point"] is None

    status, item, _ = api.patch(f"{ITEMS}/WIDGET-RED-M", {"name": "Widget, red, size M", "reorder_quantity": "200"})
    assert status == 200, item
    assert item["version"] == 2 and item["name"] == "Widget, red, size M" and item["reorder_quantity"] == "200.000000"
    (updated,) = api.events("inventory.ItemUpdated.v1")
    assert updated["sequence"] == 2
    data = updated["data"]
    assert data["version"] == 2 and data["name"] == "Widget, red, size M"
    assert data["reorder_quantity"] == Decimal("200") and data["category"] == "widgets"
    assert data["changed_at"] == datetime.fromisoformat(item["updated_at"])

    status, same, _ = api.patch(f"{ITEMS}/WIDGET-RED-M", {"name": "Widget, red, size M", "reorder_quantity": "200.0"})
    assert status == 200 and same["version"] == 2, "nothing changed: same version"
    assert len(api.events()) == 2, "and no event"
    status, got, _ = api.get(f"{ITEMS}/WIDGET-RED-M")
    assert status == 200 and got == item


def test_clearing_optional_fields_with_null(api: Api) -> None:
    _created(api, ITEMS, _item(barcode="96385074", category="c", reorder_point="5", reorder_quantity="10"))
    status, item, _ = api.patch(f"{ITEMS}/WIDGET-RED-M", {"barcode": None, "category": None, "reorder_point": None})
    assert status == 200, item
    assert (item["barcode"], item["category"], item["reorder_point"]) == (None, None, None)
    assert item["reorder_quantity"] == "10.000000" and item["version"] == 2


def test_deactivate_once_then_unchanged(api: Api) -> None:
    _created(api, ITEMS, _item())
    status, item, _ = api.post(f"{ITEMS}/WIDGET-RED-M/deactivate")
    assert status == 200 and item["active"] is False and item["version"] == 2
    status, again, _ = api.post(f"{ITEMS}/WIDGET-RED-M/deactivate")
    assert status == 200 and again == item
    updates = api.events("inventory.ItemUpdated.v1")
    assert [(e["data"]["active"], e["data"]["version"]) for e in updates] == [(False, 2)]
    status, back, _ = api.patch(f"{ITEMS}/WIDGET-RED-M", {"active": True})
    assert status == 200 and back["active"] is True and back["version"] == 3
    status, problem, _ = api.post(f"{ITEMS}/NOPE/deactivate")
    assert status == 404 and problem["code"] == "ITEM_NOT_FOUND"


# --- low stock ---------------------------------------------------------------------------------------------


def test_a_new_reorder_point_re_evaluates_every_balance_row(api: Api) -> None:
    for code in ("WH1", "WH2"):
        _created(api, WAREHOUSES, {"code": code, "name": code})
    _created(api, ITEMS, _item("A-1"))
    with api.engine.begin() as conn:
        conn.execute(text("UPDATE stock_balances SET on_hand = 30 WHERE warehouse_code = 'WH2'"))
    assert api.events("inventory.StockBelowReorderPoint.v1") == []

    status, item, _ = api.patch(f"{ITEMS}/A-1", {"reorder_point": "10", "reorder_quantity": "50"})
    assert status == 200, item
    below = api.events("inventory.StockBelowReorderPoint.v1")
    assert [(e["data"]["warehouse_code"], e["data"]["available"]) for e in below] == [("WH1", 0)]
    assert below[0]["data"]["reorder_point"] == Decimal(10) and below[0]["data"]["reorder_quantity"] == Decimal(50)
    flags = "SELECT warehouse_code, below_reorder FROM stock_balances ORDER BY warehouse_code"
    assert api.rows(flags) == [("WH1", True), ("WH2", False)]

    api.patch(f"{ITEMS}/A-1", {"reorder_point": "12"})  # still below in WH1: not announced again
    assert len(api.events("inventory.StockBelowReorderPoint.v1")) == 1
    api.patch(f"{ITEMS}/A-1", {"reorder_point": "40"})  # WH2 (30 available) crosses now
    below = api.events("inventory.StockBelowReorderPoint.v1")
    assert [e["data"]["warehouse_code"] for e in below] == ["WH1", "WH2"]
    api.patch(f"{ITEMS}/A-1", {"reorder_point": None})
    assert api.rows(flags) == [("WH1", False), ("WH2", False)]
    assert len(api.events("inventory.StockBelowReorderPoint.v1")) == 2


def test_an_item_created_with_a_reorder_point_starts_below_it(api: Api) -> None:
    _created(api, WAREHOUSES, {"code": "WH1", "name": "Main"})
    _created(api, ITEMS, _item("A-1", reorder_point="10", reorder_quantity="50", safety_stock="2"))
    types = [e["type"] for e in api.events()]
    assert types == ["inventory.WarehouseCreated.v1", "inventory.ItemCreated.v1", "inventory.StockBelowReorderPoint.v1"]
    assert api.rows("SELECT below_reorder FROM stock_balances") == [(True,)]


# --- bad input ---------------------------------------------------------------------------------------------

BAD_ITEMS: list[tuple[str, Any, int, str, str]] = [
    # (name, body, status, code, field the errors must name)
    ("bad sku", _item("-BAD SKU"), 422, "VALIDATION_FAILED", "sku"),
    ("sku with a slash", _item("A/B"), 422, "VALIDATION_FAILED", "sku"),
    ("sku too long", _item("A" * 65), 422, "VALIDATION_FAILED", "sku"),
    ("bad check digit", _item(barcode="6901234567891"), 422, "VALIDATION_FAILED", "barcode"),
    ("barcode not a gtin length", _item(barcode="123456789"), 422, "VALIDATION_FAILED", "barcode"),
    (
        "negative reorder point",
        _item(reorder_point="-1", reorder_quantity="5"),
        422,
        "VALIDATION_FAILED",
        "reorder_point",
    ),
    ("number not string", _item(safety_stock=5), 422, "VALIDATION_FAILED", "safety_stock"),
    ("too many places", _item(safety_stock="0.0000001"), 422, "VALIDATION_FAILED", "safety_stock"),
    ("unknown field", _item(colour="red"), 422, "VALIDATION_FAILED", "colour"),
    ("missing name", {"sku": "X-1"}, 422, "VALIDATION_FAILED", "name"),
    ("blank name", _item(name="  "), 422, "VALIDATION_FAILED", "name"),
    ("point without quantity", _item(reorder_point="10"), 422, "INVALID_REORDER_SETTINGS", "reorder_quantity"),
    (
        "safety above point",
        _item(reorder_point="10", reorder_quantity="5", safety_stock="11"),
        422,
        "INVALID_REORDER_SETTINGS",
        "safety_stock",
    ),
    ("duplicate sku", _item("TAKEN"), 409, "SKU_TAKEN", "sku"),
    ("duplicate barcode", _item(barcode="4006381333931"), 409, "BARCODE_TAKEN", "barcode"),
    ("same gtin spelled longer", _item(barcode="04006381333931"), 409, "BARCODE_TAKEN", "barcode"),
]


@pytest.mark.parametrize(("name", "body", "status", "code", "field"), BAD_ITEMS, ids=[b[0] for b in BAD_ITEMS])
def test_bad_items_are_refused_and_nothing_is_written(
    api: Api, name: str, body: Any, status: int, code: str, field: str
) -> None:
    _created(api, WAREHOUSES, {"code": "WH1", "name": "Main"})
    _created(api, ITEMS, _item("TAKEN", barcode="4006381333931"))
    before = api.counts()
    got, problem, response = api.post(ITEMS, body)
    assert got == status, problem
    assert response.mimetype == "application/problem+json"
    assert problem["code"] == code and problem["status"] == status
    assert field in (problem.get("errors") or {}), problem
    assert api.counts() == before


BAD_PATCHES: list[tuple[str, Any, int, str]] = [
    ("empty body", {}, 422, "VALIDATION_FAILED"),
    ("sku is not patchable", {"sku": "OTHER"}, 422, "VALIDATION_FAILED"),
    ("null name", {"name": None}, 422, "VALIDATION_FAILED"),
    ("active as a string", {"active": "false"}, 422, "VALIDATION_FAILED"),
    ("bad barcode", {"barcode": "4006381333932"}, 422, "VALIDATION_FAILED"),
    ("point without quantity", {"reorder_point": "3"}, 422, "INVALID_REORDER_SETTINGS"),
    ("barcode of another item", {"barcode": "4006381333931"}, 409, "BARCODE_TAKEN"),
]


@pytest.mark.parametrize(("name", "body", "status", "code"), BAD_PATCHES, ids=[b[0] for b in BAD_PATCHES])
def test_bad_patches_are_refused_and_nothing_is_written(api: Api, name: str, body: Any, status: int, code: str) -> None:
    _created(api, ITEMS, _item("TAKEN", barcode="4006381333931"))
    _created(api, ITEMS, _item("MINE"))
    before = api.counts()
    got, problem, response = api.patch(f"{ITEMS}/MINE", body)
    assert got == status, problem
    assert response.mimetype == "application/problem+json" and problem["code"] == code
    assert api.counts() == before
    assert api.get(f"{ITEMS}/MINE")[1]["version"] == 1


def test_a_missing_item_is_a_404_problem(api: Api) -> None:
    for method in ("GET", "PATCH"):
        status, problem, response = api.call(method, f"{ITEMS}/NOPE", {"name": "x"} if method == "PATCH" else None)
        assert status == 404 and problem["code"] == "ITEM_NOT_FOUND"
        assert response.mimetype == "application/problem+json"


def test_a_viewer_reads_but_may_not_write(api: Api) -> None:
    _created(api, ITEMS, _item("A-1"))
    _created(api, WAREHOUSES, {"code": "WH1", "name": "Main"})
    before = api.counts()
    for method, path, body in [
        ("POST", ITEMS, _item("B-2")),
        ("PATCH", f"{ITEMS}/A-1", {"name": "Renamed"}),
        ("POST", f"{ITEMS}/A-1/deactivate", None),
        ("POST", WAREHOUSES, {"code": "WH2", "name": "Second"}),
        ("PATCH", f"{WAREHOUSES}/WH1", {"name": "Renamed"}),
    ]:
        status, problem, response = api.call(method, path, body, role="viewer")
        assert status == 403, (method, path, problem)
        assert response.mimetype == "application/problem+json"
    assert api.counts() == before
    assert api.get(ITEMS, role="viewer")[0] == 200
    assert api.get(f"{WAREHOUSES}/WH1", role="viewer")[0] == 200
    # a warehouse keeper edits items but a purchaser does not
    assert api.patch(f"{ITEMS}/A-1", {"name": "By the keeper"}, role="warehouse")[0] == 200
    assert api.patch(f"{ITEMS}/A-1", {"name": "By a buyer"}, role="purchaser")[0] == 403


def test_items_and_warehouses_created_at_once_still_meet_in_a_balance_row(api: Api) -> None:
    """Item and warehouse creation serialise on one lock, so neither misses the other's just-committed row."""
    app = api.client.application
    jobs = [(ITEMS, _item(f"S-{n}")) for n in range(8)] + [
        (WAREHOUSES, {"code": f"W{n}", "name": "w"}) for n in range(8)
    ]

    def create(job: tuple[str, dict[str, Any]]) -> int:
        path, body = job
        response = app.test_client().post(path, json=body, headers={"Authorization": f"Bearer {KEYS.token('admin')}"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(create, jobs)) == {201}
    assert len(_balances(api)) == 64


# --- listing -----------------------------------------------------------------------------------------------


def test_search_and_filters(api: Api) -> None:
    _created(api, ITEMS, _item("WIDGET-RED-M", name="Widget, red", barcode="6901234567892", category="widgets"))
    _created(api, ITEMS, _item("BOLT-M8-50", name="Hex bolt M8", barcode="4006381333931", category="bolts"))
    _created(api, ITEMS, _item("bolt-m10", name="Hex bolt M10", category="bolts"))
    api.post(f"{ITEMS}/bolt-m10/deactivate")

    def skus(query: str) -> list[str]:
        status, page, _ = api.get(f"{ITEMS}?{query}")
        assert status == 200, page
        assert page["total"] == len(page["items"]) or "page_size" in query
        return [i["sku"] for i in page["items"]]

    assert skus("q=2345678") == ["WIDGET-RED-M"], "by barcode substring"
    assert skus("q=333931") == ["BOLT-M8-50"]
    assert skus("q=BOLT") == ["BOLT-M8-50", "bolt-m10"], "sku and name, case-insensitive"
    assert skus("q=red") == ["WIDGET-RED-M"]
    assert skus("q=%25") == [] and skus("q=_") == [], "LIKE wildcards are literal"
    assert skus("q=") == ["BOLT-M8-50", "WIDGET-RED-M", "bolt-m10"]
    assert skus("category=bolts") == ["BOLT-M8-50", "bolt-m10"]
    assert skus("active=false") == ["bolt-m10"]
    assert skus("active=true&category=bolts") == ["BOLT-M8-50"]
    status, page, _ = api.get(f"{ITEMS}?page=2&page_size=2")
    assert status == 200 and page["total"] == 3 and [i["sku"] for i in page["items"]] == ["bolt-m10"]
    assert api.get(f"{ITEMS}?page_size=1000")[0] == 422


# --- warehouses --------------------------------------------------------------------------------------------


def test_warehouses(api: Api) -> None:
    _created(api, WAREHOUSES, {"code": "WH1", "name": "Main"})
    before = api.counts()
    status, problem, response = api.post(WAREHOUSES, {"code": "WH1", "name": "Again"})
    assert status == 409 and problem["code"] == "WAREHOUSE_CODE_TAKEN"
    assert response.mimetype == "application/problem+json"
    for bad in (
        {"code": "wh1", "name": "x"},
        {"code": "WH 2", "name": "x"},
        {"code": "WH2"},
        {"code": "WH2", "name": "x", "valuation_method": "lifo"},
        {"code": "WH2", "name": "x", "x": 1},
    ):
        status, problem, _ = api.post(WAREHOUSES, bad)
        assert status == 422 and problem["code"] == "VALIDATION_FAILED", bad
    assert api.counts() == before

    status, problem, _ = api.get(f"{WAREHOUSES}/NOPE")
    assert status == 404 and problem["code"] == "WAREHOUSE_NOT_FOUND"
    assert api.patch(f"{WAREHOUSES}/NOPE", {"name": "x"})[1]["code"] == "WAREHOUSE_NOT_FOUND"
    assert api.patch(f"{WAREHOUSES}/WH1", {})[0] == 422
    assert api.patch(f"{WAREHOUSES}/WH1", {"code": "WH9"})[0] == 422

    status, warehouse, _ = api.patch(f"{WAREHOUSES}/WH1", {"valuation_method": "fifo", "name": "Main store"})
    assert status == 200 and warehouse["valuation_method"] == "fifo" and warehouse["name"] == "Main store"
    _created(api, WAREHOUSES, {"code": "WH2", "name": "Second"})
    assert api.patch(f"{WAREHOUSES}/WH2", {"active": False})[1]["active"] is False
    status, page, _ = api.get(f"{WAREHOUSES}?active=true")
    assert status == 200 and [w["code"] for w in page["items"]] == ["WH1"] and page["total"] == 1
    status, page, _ = api.get(WAREHOUSES)
    assert [w["code"] for w in page["items"]] == ["WH1", "WH2"]
    assert [w["version"] for w in page["items"]] == [2, 2]
    assert api.patch(f"{WAREHOUSES}/WH2", {"active": False})[1]["version"] == 2, "no change: same version"
    status, warehouse, _ = api.post(f"{WAREHOUSES}/WH1/deactivate")
    assert status == 200 and (warehouse["active"], warehouse["version"]) == (False, 3)
    assert api.post(f"{WAREHOUSES}/WH1/deactivate")[1]["version"] == 3, "already inactive: unchanged"
    assert api.post(f"{WAREHOUSES}/NOPE/deactivate")[1]["code"] == "WAREHOUSE_NOT_FOUND"
    # Issue 8 point 6: every create, change and deactivation publishes the whole record with its version (the
    # envelope sequence too), so purchasing's replica refuses unknown and inactive warehouses; a request that
    # changes nothing publishes nothing (the second deactivation of WH2 and of WH1 above).
    published = [
        (
            e["type"].split(".")[1],
            e["subject"],
            e["sequence"],
            e["data"]["version"],
            e["data"]["active"],
            e["data"]["valuation_method"],
            e["data"]["name"],
        )
        for e in api.events()
    ]
    assert published == [
        ("WarehouseCreated", "WH1", 1, 1, True, "moving_average", "Main"),
        ("WarehouseUpdated", "WH1", 2, 2, True, "fifo", "Main store"),
        ("WarehouseCreated", "WH2", 1, 1, True, "moving_average", "Second"),
        ("WarehouseUpdated", "WH2", 2, 2, False, "moving_average", "Second"),
        ("WarehouseUpdated", "WH1", 3, 3, False, "fifo", "Main store"),
    ]


# --- the embedded mode's database --------------------------------------------------------------------------


def test_the_same_flow_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    upgrade(SERVICE.migrations, url)
    for api in _api(url):
        _created(api, WAREHOUSES, {"code": "WH1", "name": "Main"})
        _created(api, ITEMS, _item("A-1", barcode="036000291452", reorder_point="1", reorder_quantity="2"))
        _created(api, WAREHOUSES, {"code": "WH2", "name": "Second"})
        assert _balances(api) == {("A-1", "WH1"), ("A-1", "WH2")}
        assert api.post(ITEMS, _item("A-2", barcode="00036000291452"))[1]["code"] == "BARCODE_TAKEN"
        assert api.patch(f"{ITEMS}/A-1", {"safety_stock": "1"})[1]["version"] == 2
        assert [e["type"].split(".")[1] for e in api.events()] == [
            "WarehouseCreated",
            "ItemCreated",
            "StockBelowReorderPoint",
            "WarehouseCreated",
            "ItemUpdated",
        ]
        assert [i["sku"] for i in api.get(f"{ITEMS}?q=291")[1]["items"]] == ["A-1"]
