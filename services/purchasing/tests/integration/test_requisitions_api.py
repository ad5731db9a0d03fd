"""Requisitions and supplier scorecards through the purchasing API (Flask test client, real PostgreSQL):
approval by amount tier with the right role (purchasing acceptance 1, for requisitions), the approvals log,
scorecard figures for scripted receipts (acceptance 5), and bad input that gets a problem and changes nothing
(acceptance 7, for these routes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, text

from psi_chassis.app import create_service_app
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import utcnow
from psi_purchasing.adapters.tables import (
    goods_receipt_lines,
    goods_receipts,
    items,
    purchase_order_lines,
    purchase_orders,
    supplier_prices,
    suppliers,
    warehouses,
)
from psi_purchasing.app import SERVICE

pytestmark = pytest.mark.integration
KEYS = TestKeys()
BASE = "/api/v1/purchasing"
USERS = {
    "admin": "1",
    "purchaser": "2",
    "purchasing_manager": "3",
    "warehouse": "4",
    "viewer": "5",
    "sales": "6",
    "accountant": "7",
}


class Api:
    def __init__(self, client: Any, db: Database) -> None:
        self.client = client
        self.db = db

    def call(self, method: str, path: str, role: str = "purchaser", user: str | None = None, **kwargs: Any) -> Any:
        """As the user of ``role`` in USERS, or as user id ``user`` holding that role."""
        token = KEYS.token(role, sub=user or USERS[role])
        return self.client.open(BASE + path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def counts(self) -> dict[str, Any]:
        with self.db.engine.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("requisitions", "requisition_lines", "approvals")
            } | {"statuses": conn.execute(text("SELECT id, status FROM requisitions ORDER BY id")).all()}


def _supplier(session: Any, code: str, now: datetime) -> int:
    return int(
        session.execute(
            insert(suppliers).values(
                code=code,
                name=f"{code} Ltd",
                currency="CNY",
                payment_terms_days=30,
                status="active",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
    )


@pytest.fixture
def api(psi_databases: Any) -> Iterator[Api]:
    url = psi_databases.create("purchasing", SERVICE.migrations)
    settings = SERVICE.load_settings({"PURCHASING_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    now = utcnow()
    with db.unit_of_work() as session:
        for sku, active in (("S1", True), ("S2", True), ("OLD", False)):
            session.execute(
                insert(items).values(
                    sku=sku,
                    name=sku,
                    unit_of_measure="pcs",
                    active=active,
                    reorder_quantity=None,
                    version=1,
                    updated_at=now,
                )
            )
        for code, active in (("WH1", True), ("WH2", True), ("CLOSED", False)):
            session.execute(
                insert(warehouses).values(
                    code=code, name=code, active=active, valuation_method="fifo", version=1, updated_at=now
                )
            )
        acme = _supplier(session, "ACME", now)
        usd = _supplier(session, "USD-CO", now)
        session.execute(
            insert(supplier_prices),
            [
                {
                    "supplier_id": acme,
                    "sku": "S1",
                    "currency": "CNY",
                    "unit_price": Decimal(10),
                    "valid_from": date(2020, 1, 1),
                    "preferred": True,
                    "created_at": now,
                },
                {
                    "supplier_id": usd,
                    "sku": "S2",
                    "currency": "USD",
                    "unit_price": Decimal(1),
                    "valid_from": date(2020, 1, 1),
                    "preferred": True,
                    "created_at": now,
                },
            ],
        )
        session.commit()
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=KEYS.verifier())
    yield Api(app.test_client(), db)
    db.dispose()


def _create(api: Api, quantity: str, sku: str = "S1", role: str = "purchaser", **extra: Any) -> dict[str, Any]:
    response = api.call(
        "POST",
        "/requisitions",
        role,
        json={
            "department": "ops",
            "lines": [{"sku": sku, "warehouse_code": "WH1", "quantity": quantity}],
            **extra,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_read_and_edit_a_draft(api: Api) -> None:
    response = api.call(
        "POST",
        "/requisitions",
        "warehouse",
        json={
            "department": "ops",
            "note": "for the spring line",
            "lines": [
                {
                    "sku": "S1",
                    "warehouse_code": "WH1",
                    "quantity": "12.5",
                    "needed_by": "2026-04-01",
                    "note": "urgent",
                }
            ],
        },
    )
    assert response.status_code == 201
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/requisitions/{created['id']}")
    assert (created["number"], created["status"], created["source"], created["requester"]) == (
        f"REQ-{created['id']:06d}",
        "draft",
        "manual",
        "user4",
    )
    assert [ln.pop("id") > 0 for ln in created["lines"]] == [True]
    assert created["lines"] == [
        {
            "line_no": 1,
            "sku": "S1",
            "warehouse_code": "WH1",
            "quantity": "12.500000",
            "needed_by": "2026-04-01",
            "note": "urgent",
            "preferred_supplier_id": None,
            "ordered_quantity": "0.000000",
        }
    ]

    patched = api.call(
        "PATCH",
        f"/requisitions/{created['id']}",
        "warehouse",  # its requester
        json={
            "department": "lab",
            "lines": [
                {"sku": "S2", "warehouse_code": "WH2", "quantity": "1"},
                {"sku": "S1", "warehouse_code": "WH2", "quantity": "2"},
            ],
        },
    )
    assert patched.status_code == 200
    body = patched.get_json()
    assert body["department"] == "lab" and body["note"] == "for the spring line"
    assert [(ln["line_no"], ln["sku"], ln["quantity"]) for ln in body["lines"]] == [
        (1, "S2", "1.000000"),
        (2, "S1", "2.000000"),
    ]
    assert api.call("GET", f"/requisitions/{created['id']}", "viewer").get_json() == body

    missing = api.call("GET", "/requisitions/999999")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "REQUISITION_NOT_FOUND")


def test_approval_by_tier(api: Api) -> None:
    # 100 × 10 = 1,000: automatic
    small = _create(api, "100")
    submitted = api.call("POST", f"/requisitions/{small['id']}/submit").get_json()
    assert submitted["status"] == "approved" and submitted["amount_base"] == "1000.000000"
    assert [(a["decision"], a["actor_name"], a["amount_base"]) for a in submitted["approvals"]] == [
        ("submitted", "user2", "1000.000000"),
        ("approved", "system", "1000.000000"),
    ]

    # 1,000 × 10 = 10,000: a purchasing manager must approve
    medium = _create(api, "1000")
    waiting = api.call("POST", f"/requisitions/{medium['id']}/submit").get_json()
    assert (waiting["status"], waiting["approver_role"]) == ("submitted", "purchasing_manager")
    refused = api.call("POST", f"/requisitions/{medium['id']}/approve", "purchaser")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "ROLE_NOT_PERMITTED")
    approved = api.call(
        "POST", f"/requisitions/{medium['id']}/approve", "purchasing_manager", json={"reason": "budgeted"}
    )
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["status"] == "approved" and body["approver_role"] is None
    assert body["approvals"][-1] | {"decided_at": None} == {
        "decision": "approved",
        "actor_id": "3",
        "actor_name": "user3",
        "actor_roles": ["purchasing_manager"],
        "reason": "budgeted",
        "amount_base": "10000.000000",
        "decided_at": None,
    }

    # 6,000 × 10 = 60,000: only an admin; the manager's try is refused and changes nothing
    large = _create(api, "6000")
    assert api.call("POST", f"/requisitions/{large['id']}/submit").get_json()["approver_role"] == "admin"
    before = api.counts()
    refused = api.call("POST", f"/requisitions/{large['id']}/approve", "purchasing_manager")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "APPROVER_ROLE_REQUIRED")
    assert refused.mimetype == "application/problem+json"
    assert api.counts() == before
    assert api.call("POST", f"/requisitions/{large['id']}/approve", "admin").get_json()["status"] == "approved"
    again = api.call("POST", f"/requisitions/{large['id']}/approve", "admin")
    assert (again.status_code, again.get_json()["code"]) == (409, "INVALID_STATUS")

    listed = api.call("GET", "/requisitions?status=approved&source=manual&department=ops&page_size=2")
    page = listed.get_json()
    # small, medium and large are approved; newest first, two per page
    assert (page["total"], [r["id"] for r in page["items"]]) == (3, [large["id"], medium["id"]])
    assert page["items"][0]["line_count"] == 1


def test_reject_and_cancel(api: Api) -> None:
    req = _create(api, "1000")
    api.call("POST", f"/requisitions/{req['id']}/submit")
    before = api.counts()
    for body in ({}, {"reason": ""}, {"reason": "  "}, None):
        response = api.call("POST", f"/requisitions/{req['id']}/reject", "purchasing_manager", json=body)
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert api.counts() == before
    rejected = api.call(
        "POST", f"/requisitions/{req['id']}/reject", "purchasing_manager", json={"reason": "no budget"}
    ).get_json()
    assert rejected["status"] == "rejected"
    assert [(a["decision"], a["reason"]) for a in rejected["approvals"]] == [
        ("submitted", None),
        ("rejected", "no budget"),
    ]
    for action in ("approve", "cancel", "submit"):
        response = api.call("POST", f"/requisitions/{req['id']}/{action}", "admin")
        assert (response.status_code, response.get_json()["code"]) == (409, "INVALID_STATUS"), action
    edit = api.call("PATCH", f"/requisitions/{req['id']}", json={"note": "x"})
    assert (edit.status_code, edit.get_json()["code"]) == (409, "INVALID_STATUS")

    draft = _create(api, "1")
    cancelled = api.call("POST", f"/requisitions/{draft['id']}/cancel", json={"reason": "duplicate"}).get_json()
    assert cancelled["status"] == "cancelled"
    assert [(a["decision"], a["actor_name"], a["reason"]) for a in cancelled["approvals"]] == [
        ("cancelled", "user2", "duplicate")
    ]
    pending = _create(api, "1000")
    api.call("POST", f"/requisitions/{pending['id']}/submit")
    assert api.call("POST", f"/requisitions/{pending['id']}/cancel").get_json()["status"] == "cancelled"


_LINE = {"sku": "S1", "warehouse_code": "WH1", "quantity": "1"}


@pytest.mark.parametrize(
    "body,code,mention",
    [
        ({"department": "ops", "lines": [{**_LINE, "sku": "NOPE"}]}, "UNKNOWN_SKU", "NOPE"),
        ({"department": "ops", "lines": [_LINE, {**_LINE, "sku": "OLD"}]}, "INACTIVE_SKU", "OLD"),
        (
            {"department": "ops", "lines": [{**_LINE, "preferred_supplier_id": 999}]},
            "SUPPLIER_NOT_FOUND",
            "999",
        ),
        ({"department": "ops", "lines": [{**_LINE, "quantity": 1}]}, "VALIDATION_FAILED", "quantity"),
        ({"department": "ops", "lines": [{**_LINE, "quantity": "-1"}]}, "VALIDATION_FAILED", "quantity"),
        ({"department": "ops", "lines": [{**_LINE, "quantity": "0"}]}, "VALIDATION_FAILED", "quantity"),
        (
            {"department": "ops", "lines": [{**_LINE, "quantity": "0.0000001"}]},
            "VALIDATION_FAILED",
            "quantity",
        ),
        ({"department": "ops", "lines": []}, "VALIDATION_FAILED", "lines"),
        ({"lines": [_LINE]}, "VALIDATION_FAILED", "department"),
        ({"department": " ops", "lines": [_LINE]}, "VALIDATION_FAILED", "department"),
        ({"department": "ops", "colour": "red", "lines": [_LINE]}, "VALIDATION_FAILED", "colour"),
        ({"department": "ops", "lines": [{**_LINE, "needed_by": "soon"}]}, "VALIDATION_FAILED", "needed_by"),
    ],
)
def test_bad_requisitions_are_problems_and_change_nothing(api: Api, body: Any, code: str, mention: str) -> None:
    before = api.counts()
    response = api.call("POST", "/requisitions", json=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code and mention in response.get_data(as_text=True)
    assert api.counts() == before


def test_bad_edits_change_nothing(api: Api) -> None:
    draft = _create(api, "3")
    before = api.counts()
    for body in ({"lines": [{**_LINE, "sku": "NOPE"}]}, {"lines": []}, {"status": "approved"}):
        response = api.call("PATCH", f"/requisitions/{draft['id']}", json=body)
        assert response.status_code == 422 and response.mimetype == "application/problem+json", body
    assert api.counts() == before
    assert api.call("GET", f"/requisitions/{draft['id']}").get_json()["lines"][0]["quantity"] == "3.000000"
    for query in ("status=open", "source=robot", "page=0"):
        assert api.call("GET", f"/requisitions?{query}").status_code == 422
    assert api.call("GET", "/requisitions", "accountant").status_code == 200


# --- supplier scorecard -------------------------------------------------------------------------------------


def _order(
    session: Any,
    supplier_id: int,
    created: datetime,
    expected: date | None,
    lines: list[tuple[str, str, str]],
    currency: str = "CNY",
) -> int:
    """An approved order; ``lines`` are (sku, quantity, unit price)."""
    po_id = int(
        session.execute(
            insert(purchase_orders).values(
                supplier_id=supplier_id,
                warehouse_code="WH1",
                currency=currency,
                exchange_rate=Decimal(1),
                expected_date=expected,
                status="approved",
                total_amount=Decimal(0),
                created_at=created,
                updated_at=created,
            )
        ).inserted_primary_key[0]
    )
    session.execute(
        insert(purchase_order_lines),
        [
            {
                "po_id": po_id,
                "line_no": n,
                "sku": sku,
                "quantity": Decimal(qty),
                "unit_price": Decimal(price),
                "amount": Decimal(qty) * Decimal(price),
                "received_quantity": Decimal(0),
                "accepted_quantity": Decimal(0),
                "rejected_quantity": Decimal(0),
            }
            for n, (sku, qty, price) in enumerate(lines, start=1)
        ],
    )
    return po_id


def _receipt(session: Any, po_id: int, received_at: datetime, lines: list[tuple[int, str, str, str, str]]) -> None:
    """``lines`` are (line no, sku, received, accepted, unit cost)."""
    receipt_id = int(
        session.execute(
            insert(goods_receipts).values(po_id=po_id, received_at=received_at, created_at=received_at)
        ).inserted_primary_key[0]
    )
    session.execute(
        insert(goods_receipt_lines),
        [
            {
                "receipt_id": receipt_id,
                "line_no": n,
                "sku": sku,
                "received_quantity": Decimal(rec),
                "accepted_quantity": Decimal(acc),
                "rejected_quantity": Decimal(rec) - Decimal(acc),
                "reject_reason": "damaged" if rec != acc else None,
                "unit_cost": Decimal(cost),
                "unit_cost_base": Decimal(cost),
            }
            for n, sku, rec, acc, cost in lines
        ],
    )


def test_scorecard_matches_hand_computed_figures(api: Api) -> None:
    def at(day: int, hour: int = 10) -> datetime:
        return datetime(2026, 3, day, hour, tzinfo=UTC)

    with api.db.unit_of_work() as session:
        now = utcnow()
        beta = _supplier(session, "BETA", now)
        idle = _supplier(session, "IDLE", now)
        acme = 1  # from the fixture; its list price for S1 is 10 CNY from 2020
        session.execute(
            insert(supplier_prices).values(
                supplier_id=acme,
                sku="S2",
                currency="CNY",
                unit_price=Decimal(4),
                valid_from=date(2026, 3, 1),
                created_at=now,
            )
        )
        # ACME, order 1 (expected 5 March): S1 100 at 10.50, S2 50 at 4 (the S2 price starts on 1 March)
        po1 = _order(session, acme, at(1), date(2026, 3, 5), [("S1", "100", "10.50"), ("S2", "50", "4")])
        _receipt(session, po1, at(4), [(1, "S1", "60", "60", "10.50")])  # on time
        _receipt(session, po1, at(7), [(1, "S1", "40", "35", "10.50"), (2, "S2", "50", "50", "4")])  # late
        # ACME, order 2, dated before the S2 price existed, no expected date: S2 20 at 3.80
        po2 = _order(session, acme, datetime(2026, 2, 20, tzinfo=UTC), None, [("S2", "20", "3.80")])
        _receipt(session, po2, at(8), [(1, "S2", "20", "18", "3.80")])
        # ACME, a receipt outside the period (1 April): not counted
        _receipt(session, po2, datetime(2026, 4, 1, 1, tzinfo=UTC), [(1, "S2", "1", "0", "3.80")])
        # BETA: one receipt, on its expected day, nothing rejected, no list price
        po3 = _order(session, beta, at(2), date(2026, 3, 10), [("S1", "5", "9")])
        _receipt(session, po3, at(10, 23), [(1, "S1", "5", "5", "9")])
        session.commit()

    card = api.call("GET", f"/scorecards/{acme}?from=2026-03-01&to=2026-03-31", "viewer").get_json()
    # receipts in March: 4 March, 7 March (order 1, expected 5 March) and 8 March (order 2, no expected date)
    #   on time: 1 of the 2 with an expected date = 0.5
    # received 60 + 40 + 50 + 20 = 170, accepted 60 + 35 + 50 + 18 = 163: 163 / 170 = 0.958823529… -> 0.958824
    # priced lines (list price valid on the order date): S1 60 and 40 at list 10, S2 50 at list 4;
    #   the S2 line of order 2 (ordered 20 Feb, before the S2 price) has none.
    #   paid 60×10.50 + 40×10.50 + 50×4 = 630 + 420 + 200 = 1250; list 600 + 400 + 200 = 1200
    #   (1250 − 1200) / 1200 = 0.041666… -> 0.041667
    assert card == {
        "supplier_id": acme,
        "supplier_code": "ACME",
        "supplier_name": "ACME Ltd",
        "from": "2026-03-01",
        "to": "2026-03-31",
        "receipts": 3,
        "on_time_rate": "0.500000",
        "on_time_receipts": 1,
        "receipts_with_expected_date": 2,
        "acceptance_rate": "0.958824",
        "accepted_quantity": "163.000000",
        "rejected_quantity": "7.000000",
        "received_quantity": "170.000000",
        "price_variance": "0.041667",
        "priced_lines": 3,
        "unpriced_lines": 1,
        "paid_amount": "1250.000000",
        "list_amount": "1200.000000",
    }

    listed = api.call("GET", "/scorecards?from=2026-03-01&to=2026-03-31").get_json()
    assert [c["supplier_code"] for c in listed["items"]] == ["ACME", "BETA"] and listed["total"] == 2
    beta_card = listed["items"][1]
    # BETA: 1 receipt on 10 March, expected 10 March: on time 1/1; 5/5 accepted; no list price: variance null
    assert (
        beta_card["on_time_rate"],
        beta_card["acceptance_rate"],
        beta_card["price_variance"],
        beta_card["unpriced_lines"],
    ) == ("1.000000", "1.000000", None, 1)

    empty = api.call("GET", f"/scorecards/{idle}?from=2026-03-01&to=2026-03-31").get_json()
    assert (empty["receipts"], empty["on_time_rate"], empty["acceptance_rate"], empty["price_variance"]) == (
        0,
        None,
        None,
        None,
    )
    april = api.call("GET", f"/scorecards/{acme}?from=2026-04-01&to=2026-04-01").get_json()
    assert (april["receipts"], april["acceptance_rate"]) == (1, "0.000000")

    for query in ("", "?from=2026-03-01", "?from=2026-03-31&to=2026-03-01", "?from=march&to=2026-03-31"):
        response = api.call("GET", f"/scorecards/{acme}{query}")
        assert response.status_code == 422 and response.mimetype == "application/problem+json", query
    missing = api.call("GET", "/scorecards/999999?from=2026-03-01&to=2026-03-31")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "SUPPLIER_NOT_FOUND")
    assert api.call("GET", "/scorecards?from=2026-03-01&to=2026-03-31", "sales").status_code == 403


# --- issue 8 ------------------------------------------------------------------------------------------------


def _add_price(api: Api, sku: str, currency: str, price: str, *, supplier: str = "FOREIGN") -> None:
    with api.db.unit_of_work() as session:
        now = utcnow()
        supplier_id = _supplier(session, supplier, now)
        session.execute(
            insert(supplier_prices).values(
                supplier_id=supplier_id,
                sku=sku,
                currency=currency,
                unit_price=Decimal(price),
                valid_from=date(2020, 1, 1),
                preferred=False,
                created_at=now,
            )
        )
        session.commit()


def test_a_requisition_priced_in_a_foreign_currency_is_converted_at_the_top_of_its_band(api: Api) -> None:
    """Issue 8 point 12: S2 is priced only in USD (1 USD from USD-CO); the default band is 6.5 to 7.6 CNY."""
    # 600 × 1 USD × 7.6 = 4,560 CNY <= 5,000: automatic, and the estimate says how much
    small = _create(api, "600", sku="S2")
    submitted = api.call("POST", f"/requisitions/{small['id']}/submit").get_json()
    assert (submitted["status"], submitted["amount_base"]) == ("approved", "4560.000000")
    # 1,000 × 1 × 7.6 = 7,600 > 5,000 (at the bottom of the band, 6,500, it would be the same tier)
    medium = _create(api, "1000", sku="S2")
    waiting = api.call("POST", f"/requisitions/{medium['id']}/submit").get_json()
    assert (waiting["status"], waiting["amount_base"], waiting["approver_role"]) == (
        "submitted",
        "7600.000000",
        "purchasing_manager",
    )
    # 100,000 × 1 × 7.6 = 760,000 > 50,000: an admin's (it was estimated at 0 and approved automatically)
    large = _create(api, "100000", sku="S2")
    waiting = api.call("POST", f"/requisitions/{large['id']}/submit").get_json()
    assert (waiting["status"], waiting["amount_base"], waiting["approver_role"]) == (
        "submitted",
        "760000.000000",
        "admin",
    )


def test_a_requisition_that_cannot_be_priced_needs_a_purchasing_manager(api: Api) -> None:
    with api.db.unit_of_work() as session:
        for sku in ("S3", "S4"):
            session.execute(
                insert(items).values(
                    sku=sku, name=sku, unit_of_measure="pcs", active=True, version=1, updated_at=utcnow()
                )
            )
        session.commit()
    _add_price(api, "S3", "CHF", "1")  # CHF has no exchange-rate band: the price cannot be converted
    # S4 has no price at all
    for sku, why in (("S3", "priced in CHF, which has no exchange-rate band"), ("S4", "no supplier price for 1")):
        req = _create(api, "1", sku=sku)
        waiting = api.call("POST", f"/requisitions/{req['id']}/submit").get_json()
        # an amount of 0 alone would be automatic; an incomplete estimate never is
        assert (waiting["status"], waiting["amount_base"], waiting["approver_role"]) == (
            "submitted",
            "0.000000",
            "purchasing_manager",
        ), sku
        assert why in waiting["approvals"][0]["reason"], waiting["approvals"]
        refused = api.call("POST", f"/requisitions/{req['id']}/approve", "warehouse")
        assert refused.status_code == 403
        approved = api.call("POST", f"/requisitions/{req['id']}/approve", "purchasing_manager").get_json()
        assert approved["status"] == "approved"


def test_the_requester_never_approves_their_own_requisition(api: Api) -> None:
    """Issue 8 point 13, for requisitions: 1,000 × 10 = 10,000 needs a purchasing manager."""
    own = _create(api, "1000", role="purchasing_manager")  # requested by user 3
    api.call("POST", f"/requisitions/{own['id']}/submit", "purchasing_manager")
    before = api.counts()
    refused = api.call("POST", f"/requisitions/{own['id']}/approve", "purchasing_manager")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "SELF_APPROVAL_FORBIDDEN")
    assert api.counts() == before
    other = api.call("POST", f"/requisitions/{own['id']}/approve", "purchasing_manager", user="33")
    assert (other.status_code, other.get_json()["status"]) == (200, "approved")
    # whoever submitted it is a maker too: a manager who submits a clerk's requisition cannot approve it
    clerks = _create(api, "1000")
    api.call("POST", f"/requisitions/{clerks['id']}/submit", "admin")
    refused = api.call("POST", f"/requisitions/{clerks['id']}/approve", "admin")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "SELF_APPROVAL_FORBIDDEN")


def test_a_requester_changes_only_their_own_requisitions(api: Api) -> None:
    """Issue 8 point 21: a requester edits, submits and cancels their own; a manager or admin any."""
    theirs = _create(api, "5", role="warehouse")  # user 4
    before = api.counts()
    for method, path, body in (
        ("PATCH", "", {"note": "mine now"}),
        ("POST", "/submit", None),
        ("POST", "/cancel", None),
    ):
        response = api.call(method, f"/requisitions/{theirs['id']}{path}", "purchaser", json=body)
        assert (response.status_code, response.get_json()["code"]) == (403, "NOT_REQUISITION_OWNER"), path
        assert response.mimetype == "application/problem+json"
    other_warehouse_user = api.call(
        "PATCH", f"/requisitions/{theirs['id']}", "warehouse", user="44", json={"note": "x"}
    )
    assert other_warehouse_user.status_code == 403
    assert api.counts() == before
    assert api.call("GET", f"/requisitions/{theirs['id']}").get_json()["note"] is None

    edited = api.call("PATCH", f"/requisitions/{theirs['id']}", "warehouse", json={"note": "by the requester"})
    assert edited.get_json()["note"] == "by the requester"
    managed = api.call("PATCH", f"/requisitions/{theirs['id']}", "purchasing_manager", json={"note": "checked"})
    assert managed.get_json()["note"] == "checked"
    assert api.call("POST", f"/requisitions/{theirs['id']}/cancel", "admin").get_json()["status"] == "cancelled"


def test_requisition_lines_name_active_warehouses(api: Api) -> None:
    """Issue 8 point 6, for requisitions (create and edit)."""
    before = api.counts()
    for code, problem_code in (("NOWHERE", "UNKNOWN_WAREHOUSE"), ("CLOSED", "INACTIVE_WAREHOUSE")):
        response = api.call(
            "POST", "/requisitions", json={"department": "ops", "lines": [_LINE, {**_LINE, "warehouse_code": code}]}
        )
        problem = response.get_json()
        assert (response.status_code, problem["code"], list(problem["errors"]["lines"])) == (422, problem_code, ["1"])
        assert list(problem["errors"]["lines"]["1"]) == ["warehouse_code"]
    draft = _create(api, "1")
    before = api.counts()
    response = api.call("PATCH", f"/requisitions/{draft['id']}", json={"lines": [{**_LINE, "warehouse_code": "X"}]})
    assert (response.status_code, response.get_json()["code"]) == (422, "UNKNOWN_WAREHOUSE")
    assert api.counts() == before
