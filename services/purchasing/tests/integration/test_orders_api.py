"""Purchase orders through the purchasing API (Flask test client, real PostgreSQL): approval by amount tier and
budget, un-approve, partial receipts that close the order, returns, conversion of requisitions, and bad input
that gets a problem and changes nothing (purchasing acceptance 1, 2, 3, 7)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from psi_chassis.app import create_service_app
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import utcnow
from psi_purchasing import config
from psi_purchasing.adapters.exchange_rates import keep_rate
from psi_purchasing.adapters.tables import items, requisition_lines, requisitions, warehouses
from psi_purchasing.app import SERVICE

pytestmark = pytest.mark.integration
KEYS = TestKeys()
P = "/api/v1/purchasing"
TABLES = (
    "suppliers",
    "supplier_prices",
    "purchase_orders",
    "purchase_order_lines",
    "goods_receipts",
    "goods_receipt_lines",
    "purchase_returns",
    "purchase_return_lines",
    "approval_tiers",
    "department_budgets",
    "approvals",
    "requisitions",
    "requisition_lines",
    "outbox",
    "exchange_rates",
)


class Api:
    def __init__(self, client: Any, db: Database) -> None:
        self.client, self.db = client, db

    def call(
        self, method: str, path: str, body: Any = None, role: str = "admin", user: str | None = None
    ) -> tuple[int, Any]:
        """As a user holding ``role``; the user id is the role's name unless ``user`` names another one."""
        headers = {"Authorization": f"Bearer {KEYS.token(role, sub=user or role)}"}
        response = self.client.open(P + path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json()

    def ok(self, method: str, path: str, body: Any = None, role: str = "admin", user: str | None = None) -> Any:
        status, answer = self.call(method, path, body, role, user)
        assert status in (200, 201), (status, answer)
        return answer

    def rows(self) -> dict[str, int]:
        with self.db.engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
            for name, sql in (
                ("committed", "SELECT coalesce(sum(committed), 0) FROM department_budgets"),
                ("statuses", "SELECT string_agg(status, ',' ORDER BY id) FROM purchase_orders"),
                ("received", "SELECT coalesce(sum(received_quantity), 0) FROM purchase_order_lines"),
                ("short_closed", "SELECT coalesce(sum(short_closed_quantity), 0) FROM purchase_order_lines"),
                ("returned", "SELECT coalesce(sum(returned_quantity), 0) FROM purchase_order_lines"),
            ):
                counts[name] = conn.execute(text(sql)).scalar()
            return counts

    def events(self, event_type: str) -> list[dict[str, Any]]:
        with self.db.engine.connect() as conn:
            rows = (
                conn.execute(text("SELECT body FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type})
                .scalars()
                .all()
            )
        return [(json.loads(r) if isinstance(r, str) else r)["data"] for r in rows]


@pytest.fixture
def api(psi_databases: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("PURCHASING_RECEIPT_TOLERANCE", raising=False)
    url = psi_databases.create("purchasing", SERVICE.migrations)
    settings = SERVICE.load_settings({"PURCHASING_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    now = utcnow()
    with db.unit_of_work() as session:
        for sku, active in (("S1", True), ("S2", True), ("OLD", False)):
            session.execute(
                insert(items).values(sku=sku, name=sku, unit_of_measure="pcs", active=active, version=1, updated_at=now)
            )
        for code, active in (("WH1", True), ("W", True), ("CLOSED", False)):
            session.execute(
                insert(warehouses).values(
                    code=code, name=code, active=active, valuation_method="moving_average", version=1, updated_at=now
                )
            )
        session.commit()
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=KEYS.verifier())
    yield Api(app.test_client(), db)
    db.dispose()


def _supplier(api: Api, code: str = "ACME", currency: str = "CNY") -> dict[str, Any]:
    return api.ok("POST", "/suppliers", {"code": code, "name": code.title(), "currency": currency})


def _order(api: Api, supplier_id: int, quantity: str, price: str | None = "10", **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"sku": "S1", "quantity": quantity}
    if price is not None:
        line["unit_price"] = price
    return api.ok(
        "POST",
        "/purchase-orders",
        {"supplier_id": supplier_id, "warehouse_code": "WH1", "lines": [line], **extra},
        role="purchaser",
    )


def test_approval_tiers_and_budget(api: Api) -> None:
    supplier = _supplier(api)
    # 400 × 10 = 4,000 net + 13 % tax = 4,520 <= 5,000: approved at once
    small = api.ok(
        "POST",
        "/purchase-orders",
        {
            "supplier_id": supplier["id"],
            "warehouse_code": "WH1",
            "lines": [{"sku": "S1", "quantity": "400", "unit_price": "10", "tax_rate": "0.13"}],
        },
        role="purchaser",
    )
    assert small["total_amount"] == "4520.000000"
    submitted = api.ok("POST", f"/purchase-orders/{small['id']}/submit", role="purchaser")
    assert (submitted["status"], submitted["lines"][0]["max_receivable"]) == ("approved", "400.000000")
    [approved_event] = api.events("purchasing.PurchaseOrderApproved.v1")
    assert (approved_event["total_amount"], approved_event["revision"]) == ("4520.000000", 1)

    # 1,000 × 10 = 10,000 > 5,000: waits for a purchasing manager; a purchaser may not approve (route: 403)
    medium = _order(api, supplier["id"], "1000")
    assert api.ok("POST", f"/purchase-orders/{medium['id']}/submit", role="purchaser")["status"] == "pending_approval"
    status, problem = api.call("POST", f"/purchase-orders/{medium['id']}/approve", {}, role="purchaser")
    assert (status, problem["code"]) == (403, "ROLE_NOT_PERMITTED")
    approved = api.ok("POST", f"/purchase-orders/{medium['id']}/approve", {"reason": "ok"}, role="purchasing_manager")
    assert approved["status"] == "approved"

    # 6,000 × 10 = 60,000 > 50,000: only an admin; the manager gets 403 APPROVER_ROLE_REQUIRED
    large = _order(api, supplier["id"], "6000")
    api.ok("POST", f"/purchase-orders/{large['id']}/submit")
    status, problem = api.call("POST", f"/purchase-orders/{large['id']}/approve", {}, role="purchasing_manager")
    assert (status, problem["code"]) == (403, "APPROVER_ROLE_REQUIRED")
    assert api.ok("GET", f"/purchase-orders/{large['id']}")["status"] == "pending_approval"
    rejected = api.ok("POST", f"/purchase-orders/{large['id']}/reject", {"reason": "too much"})
    assert rejected["status"] == "draft"
    log = api.ok("GET", f"/purchase-orders/{large['id']}/approvals")["items"]
    assert [(e["decision"], e["actor_name"], e["reason"]) for e in log] == [
        ("submitted", "useradmin", None),
        ("rejected", "useradmin", "too much"),
    ]
    assert log[1]["amount_base"] == "60000.000000"

    # budgets: 2,000 × 10 = 20,000 against a budget of 15,000 -> 409, nothing committed, order still pending
    period = utcnow().strftime("%Y-%m")
    budget = api.ok(
        "PUT", "/budgets", {"department": "OPS", "period": period, "amount": "15000"}, role="purchasing_manager"
    )
    assert (budget["committed"], budget["available"]) == ("0.000000", "15000.000000")
    over = _order(api, supplier["id"], "2000", department="OPS")
    api.ok("POST", f"/purchase-orders/{over['id']}/submit")
    before = api.rows()
    status, problem = api.call("POST", f"/purchase-orders/{over['id']}/approve", {}, role="purchasing_manager")
    assert (status, problem["code"]) == (409, "BUDGET_EXCEEDED")
    assert api.rows() == before
    assert api.ok("GET", "/budgets")["items"][0]["committed"] == "0.000000"
    # within budget: 1,200 × 10 = 12,000 committed; un-approving gives it back
    fits = _order(api, supplier["id"], "1200", department="OPS")
    api.ok("POST", f"/purchase-orders/{fits['id']}/submit")
    approved = api.ok("POST", f"/purchase-orders/{fits['id']}/approve", {}, role="purchasing_manager")
    assert approved["budget_period"] == period
    assert api.ok("GET", "/budgets")["items"][0]["committed"] == "12000.000000"
    status, problem = api.call("PUT", "/budgets", {"department": "OPS", "period": period, "amount": "11999"})
    assert (status, problem["code"]) == (409, "BUDGET_BELOW_COMMITTED")
    assert (
        api.ok("POST", f"/purchase-orders/{fits['id']}/unapprove", {"reason": "wrong"}, role="purchasing_manager")[
            "status"
        ]
        == "draft"
    )
    assert api.ok("GET", "/budgets")["items"][0]["committed"] == "0.000000"
    # no budget for another department -> 409 NO_BUDGET (automatic tier: the submit itself is refused)
    other = _order(api, supplier["id"], "10", department="R&D")
    status, problem = api.call("POST", f"/purchase-orders/{other['id']}/submit")
    assert (status, problem["code"]) == (409, "NO_BUDGET")
    assert api.ok("GET", f"/purchase-orders/{other['id']}")["status"] == "draft"


def test_configured_tiers_replace_the_defaults(api: Api) -> None:
    tiers = api.ok("GET", "/approval-tiers")["items"]
    assert tiers[0] == {
        "document_type": "purchase_order",
        "configured": False,
        "tiers": [
            {"up_to_amount": "5000", "approver_role": None},
            {"up_to_amount": "50000", "approver_role": "purchasing_manager"},
            {"up_to_amount": None, "approver_role": "admin"},
        ],
    }
    status, _ = api.call(
        "PUT", "/approval-tiers", {"document_type": "purchase_order", "tiers": []}, role="purchasing_manager"
    )
    assert status == 403
    put = api.ok(
        "PUT",
        "/approval-tiers",
        {
            "document_type": "purchase_order",
            "tiers": [
                {"up_to_amount": None, "approver_role": "purchasing_manager"},
                {"up_to_amount": "100", "approver_role": None},
            ],
        },
    )
    assert put["tiers"] == [
        {"up_to_amount": "100.000000", "approver_role": None},
        {"up_to_amount": None, "approver_role": "purchasing_manager"},
    ]
    supplier = _supplier(api)
    order = _order(api, supplier["id"], "11")  # 11 × 10 = 110 > 100
    assert api.ok("POST", f"/purchase-orders/{order['id']}/submit")["status"] == "pending_approval"
    status, problem = api.call(
        "PUT",
        "/approval-tiers",
        {"document_type": "purchase_order", "tiers": [{"up_to_amount": "100", "approver_role": None}]},
    )
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED")


def test_unapprove_before_receipt_and_not_after(api: Api) -> None:
    supplier = _supplier(api)
    order = _order(api, supplier["id"], "10")
    api.ok("POST", f"/purchase-orders/{order['id']}/submit")
    back = api.ok("POST", f"/purchase-orders/{order['id']}/unapprove", {}, role="purchasing_manager")
    assert (back["status"], back["lines"][0]["max_receivable"]) == ("draft", None)
    api.ok("POST", f"/purchase-orders/{order['id']}/submit")
    api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "1", "accepted_quantity": "1"}]},
        role="warehouse",
    )
    status, problem = api.call("POST", f"/purchase-orders/{order['id']}/unapprove", {}, role="purchasing_manager")
    assert (status, problem["code"]) == (409, "ALREADY_RECEIVED")
    for path, body in (("cancel", {"reason": "x"}), ("", None)):
        method = "PATCH" if not path else "POST"
        status, problem = api.call(
            method,
            f"/purchase-orders/{order['id']}{'/' + path if path else ''}",
            body or {"expected_date": "2030-01-01"},
        )
        assert (status, problem["code"]) == (409, "ALREADY_RECEIVED")


def test_rejected_goods_stay_owed_and_their_replacements_can_be_received(api: Api) -> None:
    supplier = _supplier(api)
    order = _order(api, supplier["id"], "10")
    api.ok("POST", f"/purchase-orders/{order['id']}/submit")
    first = api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {
            "lines": [
                {
                    "line_no": 1,
                    "received_quantity": "6",
                    "accepted_quantity": "4",
                    "rejected_quantity": "2",
                    "reject_reason": "dented",
                }
            ]
        },
        role="warehouse",
    )
    assert api.ok("GET", f"/purchase-orders/{order['id']}")["status"] == "partially_received"
    api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "4", "accepted_quantity": "4"}]},
        role="warehouse",
    )
    line = api.ok("GET", f"/purchase-orders/{order['id']}")
    # 6 + 4 = 10 arrived, but only 4 + 4 = 8 passed: the supplier still owes 10 − 8 = 2, the order stays open
    assert (
        line["status"],
        line["lines"][0]["accepted_quantity"],
        line["lines"][0]["rejected_quantity"],
        line["lines"][0]["owed_quantity"],
    ) == ("partially_received", "8.000000", "2.000000", "2.000000")
    # the 2 replacements arrive and pass: accepted 8 + 2 = 10 of 10, received 10 + 2 = 12; closed
    api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "2", "accepted_quantity": "2"}]},
        role="warehouse",
    )
    closed = api.ok("GET", f"/purchase-orders/{order['id']}")
    assert (
        closed["status"],
        closed["lines"][0]["received_quantity"],
        closed["lines"][0]["accepted_quantity"],
        closed["lines"][0]["owed_quantity"],
    ) == ("closed", "12.000000", "10.000000", "0.000000")
    before = api.rows()
    status, problem = api.call(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "1", "accepted_quantity": "1"}]},
    )
    assert (status, problem["code"]) == (409, "OVER_RECEIPT")
    assert api.rows() == before
    received = api.events("purchasing.GoodsReceived.v1")
    # what inventory books is accepted_quantity: 4, 4, then 2; the 2 rejected are carried only as rejected
    assert [(e["lines"][0]["accepted_quantity"], e["lines"][0]["rejected_quantity"]) for e in received] == [
        ("4.000000", "2.000000"),
        ("4.000000", "0.000000"),
        ("2.000000", "0.000000"),
    ]
    assert first["lines"][0]["reject_reason"] == "dented"

    # return 3 of the 10 accepted: requested at once (inventory has not answered); then 8 more is too many
    # (10 − 3 = 7 left, the requested 3 count already)
    rtn = api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/returns",
        {"reason": "wrong colour", "lines": [{"line_no": 1, "quantity": "3"}]},
        role="warehouse",
    )
    assert (
        rtn["number"],
        rtn["status"],
        rtn["returned_at"],
        rtn["lines"][0]["quantity"],
        rtn["lines"][0]["unit_cost_base"],
    ) == (f"RTN-{rtn['id']:06d}", "requested", None, "3.000000", "10.000000")
    assert api.ok("GET", f"/returns/{rtn['id']}")["reason"] == "wrong colour"
    [event] = api.events("purchasing.GoodsReturnRequested.v1")
    assert (event["po_number"], event["lines"][0]["sku"], event["lines"][0]["quantity"]) == (
        order["number"],
        "S1",
        "3.000000",
    )
    assert api.events("purchasing.GoodsReturned.v1") == [], "announced as returned only once inventory issued it"
    before = api.rows()
    status, problem = api.call(
        "POST",
        f"/purchase-orders/{order['id']}/returns",
        {"reason": "more", "lines": [{"line_no": 1, "quantity": "8"}]},
    )
    assert (status, problem["code"]) == (409, "OVER_RETURN")
    assert api.rows() == before


def test_tolerance_allows_a_little_more(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PURCHASING_RECEIPT_TOLERANCE", "0.05")
    supplier = _supplier(api)
    order = _order(api, supplier["id"], "100")
    approved = api.ok("POST", f"/purchase-orders/{order['id']}/submit")
    assert approved["lines"][0]["max_receivable"] == "105.000000"  # 100 × (1 + 0.05)
    status, problem = api.call(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "106", "accepted_quantity": "106"}]},
    )
    assert (status, problem["code"]) == (409, "OVER_RECEIPT")
    api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "105", "accepted_quantity": "105"}]},
    )
    assert api.ok("GET", f"/purchase-orders/{order['id']}")["status"] == "closed"


def test_price_list_blocked_supplier_replica_revision_and_cancel(api: Api) -> None:
    supplier = _supplier(api)
    for min_quantity, price in (("0", "12"), ("100", "10"), ("500", "9")):
        api.ok(
            "POST",
            f"/suppliers/{supplier['id']}/prices",
            {"sku": "S1", "unit_price": price, "min_quantity": min_quantity, "valid_from": "2020-01-01"},
        )
    api.ok(
        "POST",
        f"/suppliers/{supplier['id']}/prices",
        {"sku": "S1", "unit_price": "1", "min_quantity": "0", "valid_from": "2020-01-01", "valid_to": "2020-12-31"},
    )  # expired: never used
    assert api.ok("GET", f"/suppliers/{supplier['id']}/prices?sku=S1")["total"] == 4
    # 150 reaches min 0 and 100 (not 500): the highest, 100, wins -> 10
    order = _order(api, supplier["id"], "150", price=None)
    assert (order["lines"][0]["unit_price"], order["total_amount"]) == ("10.000000", "1500.000000")
    status, problem = api.call(
        "POST",
        "/purchase-orders",
        {"supplier_id": supplier["id"], "warehouse_code": "W", "lines": [{"sku": "S2", "quantity": "1"}]},
    )
    assert (status, problem["code"], list(problem["errors"]["lines"]["0"])) == (422, "NO_PRICE", ["unit_price"])
    for sku, code in (("NOPE", "UNKNOWN_SKU"), ("OLD", "INACTIVE_SKU")):
        status, problem = api.call(
            "POST",
            "/purchase-orders",
            {
                "supplier_id": supplier["id"],
                "warehouse_code": "W",
                "lines": [{"sku": sku, "quantity": "1", "unit_price": "1"}],
            },
        )
        assert (status, problem["code"], list(problem["errors"]["lines"]["0"])) == (422, code, ["sku"])

    # an approved order amended becomes revision 2 (automatic again: 200 × 10 = 2,000)
    api.ok("POST", f"/purchase-orders/{order['id']}/submit")
    revised = api.ok(
        "PATCH", f"/purchase-orders/{order['id']}", {"lines": [{"sku": "S1", "quantity": "200"}]}, role="purchaser"
    )
    assert (revised["revision"], revised["status"], revised["total_amount"]) == (2, "approved", "2000.000000")
    assert [e["revision"] for e in api.events("purchasing.PurchaseOrderApproved.v1")] == [1, 2]
    cancelled = api.ok("POST", f"/purchase-orders/{order['id']}/cancel", {"reason": "not needed"}, role="purchaser")
    assert cancelled["status"] == "cancelled"
    [event] = api.events("purchasing.PurchaseOrderCancelled.v1")
    assert (event["revision"], event["reason"]) == (2, "not needed")

    blocked = api.ok(
        "PATCH", f"/suppliers/{supplier['id']}", {"status": "blocked", "lead_time_days": 3}, role="purchaser"
    )
    assert (blocked["status"], blocked["lead_time_days"]) == ("blocked", 3)
    status, problem = api.call(
        "POST",
        "/purchase-orders",
        {"supplier_id": supplier["id"], "warehouse_code": "W", "lines": [{"sku": "S1", "quantity": "1"}]},
    )
    assert (status, problem["code"]) == (409, "SUPPLIER_BLOCKED")


def test_conversion_splits_and_merges(api: Api) -> None:
    acme, beta = _supplier(api, "ACME"), _supplier(api, "BETA")
    for supplier in (acme, beta):
        for sku in ("S1", "S2"):
            api.ok(
                "POST",
                f"/suppliers/{supplier['id']}/prices",
                {"sku": sku, "unit_price": "2", "valid_from": "2020-01-01"},
            )
    now = utcnow()
    with api.db.unit_of_work() as session:
        ids = []
        for number, status in (("REQ-1", "approved"), ("REQ-2", "approved"), ("REQ-3", "submitted")):
            req_id = session.execute(
                insert(requisitions).values(
                    number=number, department="OPS", requester="u", status=status, created_at=now, updated_at=now
                )
            ).inserted_primary_key[0]
            ids.append(
                session.execute(
                    insert(requisition_lines).values(
                        requisition_id=req_id,
                        line_no=1,
                        sku="S1",
                        warehouse_code="WH1",
                        quantity=Decimal(10),
                        ordered_quantity=Decimal(0),
                    )
                ).inserted_primary_key[0]
            )
        session.commit()
    line1, line2, line3 = ids
    status, problem = api.call(
        "POST", "/requisitions/convert", {"lines": [{"requisition_line_id": line3, "supplier_id": acme["id"]}]}
    )
    assert (status, problem["code"]) == (409, "REQUISITION_NOT_APPROVED")
    before = api.rows()
    status, problem = api.call(
        "POST",
        "/requisitions/convert",
        {
            "lines": [
                {"requisition_line_id": line1, "supplier_id": acme["id"], "quantity": "6"},
                {"requisition_line_id": line1, "supplier_id": beta["id"], "quantity": "5"},
            ]
        },
    )
    assert (status, problem["code"]) == (409, "OVER_ORDERED")  # 6 + 5 = 11 > 10
    assert api.rows() == before
    created = api.ok(
        "POST",
        "/requisitions/convert",
        {
            "lines": [
                {"requisition_line_id": line1, "supplier_id": acme["id"], "quantity": "6"},  # split: 6 to ACME ...
                {"requisition_line_id": line1, "supplier_id": beta["id"]},  # ... the other 4 to BETA
                {"requisition_line_id": line2, "supplier_id": acme["id"], "quantity": "3"},  # merged into ACME's order
            ]
        },
        role="purchaser",
    )["items"]
    assert [
        (
            o["supplier_code"],
            o["status"],
            o["department"],
            [(ln["quantity"], ln["requisition_line_id"]) for ln in o["lines"]],
        )
        for o in created
    ] == [
        ("ACME", "draft", "OPS", [("6.000000", line1), ("3.000000", line2)]),
        ("BETA", "draft", "OPS", [("4.000000", line1)]),
    ]
    with api.db.engine.connect() as conn:
        states = conn.execute(select(requisitions.c.number, requisitions.c.status).order_by(requisitions.c.id)).all()
        ordered = (
            conn.execute(select(requisition_lines.c.ordered_quantity).order_by(requisition_lines.c.id)).scalars().all()
        )
    assert [tuple(s) for s in states] == [("REQ-1", "converted"), ("REQ-2", "approved"), ("REQ-3", "submitted")]
    assert ordered == [Decimal(10), Decimal(3), Decimal(0)]


@pytest.mark.parametrize(
    "method,path,body,status,code",
    [
        ("POST", "/suppliers", {"code": "X", "name": "X", "lead_time_days": "7"}, 422, "VALIDATION_FAILED"),
        ("PATCH", "/suppliers/{supplier}", {}, 422, "VALIDATION_FAILED"),
        ("PATCH", "/suppliers/{supplier}", {"status": "gone"}, 422, "VALIDATION_FAILED"),
        ("PATCH", "/suppliers/987654", {"name": "N"}, 404, "SUPPLIER_NOT_FOUND"),
        (
            "POST",
            "/suppliers/{supplier}/prices",
            {"sku": "S1", "unit_price": 1.5, "valid_from": "2020-01-01"},
            422,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/suppliers/{supplier}/prices",
            {"sku": "S1", "unit_price": "1", "valid_from": "2020-02-01", "valid_to": "2020-01-01"},
            422,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/purchase-orders",
            {
                "supplier_id": "{supplier}",
                "warehouse_code": "W",
                "lines": [{"sku": "S1", "quantity": "1", "unit_price": "1", "tax_rate": "-0.1"}],
            },
            422,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/purchase-orders",
            {
                "supplier_id": "{supplier}",
                "warehouse_code": "W",
                "lines": [{"sku": "GHOST", "quantity": "1", "unit_price": "1"}],
            },
            422,
            "UNKNOWN_SKU",
        ),
        ("POST", "/purchase-orders/{po}/approve", {}, 409, "INVALID_STATUS"),
        ("POST", "/purchase-orders/{po}/reject", {}, 422, "VALIDATION_FAILED"),
        ("POST", "/purchase-orders/{po}/cancel", {"reason": ""}, 422, "VALIDATION_FAILED"),
        ("POST", "/purchase-orders/{po}/unapprove", {}, 409, "INVALID_STATUS"),
        (
            "POST",
            "/purchase-orders/{po}/receipts",
            {"lines": [{"line_no": 1, "received_quantity": "1", "accepted_quantity": "1"}]},
            409,
            "INVALID_STATUS",
        ),
        (
            "POST",
            "/purchase-orders/{po}/returns",
            {"reason": "r", "lines": [{"line_no": 1, "quantity": "1"}]},
            409,
            "INVALID_STATUS",
        ),
        ("PATCH", "/purchase-orders/{po}", {"lines": []}, 422, "VALIDATION_FAILED"),
        ("POST", "/purchase-orders/987654/submit", None, 404, "PURCHASE_ORDER_NOT_FOUND"),
        ("PUT", "/budgets", {"department": "OPS", "period": "2026-13", "amount": "1"}, 422, "VALIDATION_FAILED"),
        ("PUT", "/budgets", {"department": "OPS", "period": "2026-01", "amount": 1}, 422, "VALIDATION_FAILED"),
        (
            "PUT",
            "/approval-tiers",
            {"document_type": "invoice", "tiers": [{"up_to_amount": None, "approver_role": None}]},
            422,
            "VALIDATION_FAILED",
        ),
        (
            "PUT",
            "/approval-tiers",
            {"document_type": "purchase_order", "tiers": [{"up_to_amount": None, "approver_role": "king"}]},
            422,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/requisitions/convert",
            {"lines": [{"requisition_line_id": 987654, "supplier_id": "{supplier}"}]},
            422,
            "VALIDATION_FAILED",
        ),
        ("GET", "/returns/987654", None, 404, "RETURN_NOT_FOUND"),
    ],
)
def test_bad_input_is_a_problem_and_changes_nothing(
    api: Api, method: str, path: str, body: Any, status: int, code: str
) -> None:
    supplier = _supplier(api)
    po = _order(api, supplier["id"], "1")
    path = path.format(supplier=supplier["id"], po=po["id"])
    if isinstance(body, dict) and body.get("supplier_id") == "{supplier}":
        body = {**body, "supplier_id": supplier["id"]}
    if isinstance(body, dict) and "lines" in body and body["lines"] and "supplier_id" in body["lines"][0]:
        body = {**body, "lines": [{**body["lines"][0], "supplier_id": supplier["id"]}]}
    before = api.rows()
    response = api.client.open(
        P + path, method=method, json=body, headers={"Authorization": f"Bearer {KEYS.token('admin')}"}
    )
    problem = response.get_json()
    assert (response.status_code, problem["code"]) == (status, code), problem
    assert response.content_type == "application/problem+json"
    assert api.rows() == before


def test_foreign_currency_needs_a_rate_and_a_cancelled_revision_is_announced(api: Api) -> None:
    usd = _supplier(api, "YANKEE", currency="USD")
    line = {"sku": "S1", "quantity": "1", "unit_price": "1"}
    status, problem = api.call(
        "POST", "/purchase-orders", {"supplier_id": usd["id"], "warehouse_code": "WH1", "lines": [line]}
    )
    assert (status, problem["code"], list(problem["errors"])) == (422, "EXCHANGE_RATE_REQUIRED", ["exchange_rate"])
    # 600 × 10 USD × 7.1 = 42,600 CNY: the purchasing manager's tier, not the automatic one a rate of 1 would give
    order = _order(api, usd["id"], "600", exchange_rate="7.1")
    assert api.ok("POST", f"/purchase-orders/{order['id']}/submit", role="purchaser")["status"] == "pending_approval"
    api.ok("POST", f"/purchase-orders/{order['id']}/approve", role="purchasing_manager")
    # amended after approval: revision 2 waits for approval again; cancelling it must still tell finance,
    # which holds revision 1 open for matching
    pending = api.ok(
        "PATCH",
        f"/purchase-orders/{order['id']}",
        {"lines": [{"sku": "S1", "quantity": "700", "unit_price": "10"}]},
        role="purchaser",
    )
    assert (pending["revision"], pending["status"]) == (2, "pending_approval")
    api.ok("POST", f"/purchase-orders/{order['id']}/cancel", {"reason": "supplier too slow"}, role="purchaser")
    [event] = api.events("purchasing.PurchaseOrderCancelled.v1")
    assert (event["revision"], event["reason"]) == (2, "supplier too slow")


# --- issue 8 ------------------------------------------------------------------------------------------------


def test_exchange_rate_is_one_in_the_base_currency_and_inside_its_band_otherwise(api: Api) -> None:
    """Issue 8 point 5: a typed rate decides the approval tier, so it is checked before anything is stored."""
    cny, usd, chf = _supplier(api), _supplier(api, "YANKEE", currency="USD"), _supplier(api, "SWISS", "CHF")
    line = [{"sku": "S1", "quantity": "1000", "unit_price": "10"}]
    refused = [
        # a CNY order at rate 2 would be booked at 1000 × 10 × 2 = 20,000 CNY and its receipt at 20 a unit
        (cny, "2", "EXCHANGE_RATE_NOT_ONE"),
        # 1000 × 10 USD × 0.0001 = 1 CNY: the automatic tier for what is really about 71,000 CNY
        (usd, "0.0001", "EXCHANGE_RATE_OUT_OF_BAND"),
        (usd, "7.61", "EXCHANGE_RATE_OUT_OF_BAND"),  # just above the default USD band 6.5 to 7.6
        (chf, "8", "NO_RATE_BAND"),  # no band configured for CHF: refused, never guessed
    ]
    before = api.rows()
    for supplier, rate, code in refused:
        status, problem = api.call(
            "POST",
            "/purchase-orders",
            {"supplier_id": supplier["id"], "warehouse_code": "WH1", "exchange_rate": rate, "lines": line},
        )
        assert (status, problem["code"], list(problem["errors"])) == (422, code, ["exchange_rate"]), rate
    assert "PSI_FX_RATE_BANDS" in problem["detail"], "the refusal names the setting to change"
    assert api.rows() == before

    # rate 1 (also written "1.000") in the base currency; both ends of the USD band are inside it
    base = _order(api, cny["id"], "3", exchange_rate="1.000")
    assert (base["exchange_rate"], base["total_amount_base"]) == ("1.000000", "30.000000")  # 3 × 10 × 1
    for rate, total in (("6.5", "65.000000"), ("7.6", "76.000000")):  # 1 × 10 USD × rate
        order = _order(api, usd["id"], "1", exchange_rate=rate)
        assert order["total_amount_base"] == total
    # the receipt of the base-currency order is valued at 10 × 1 = 10 a unit, not 20
    api.ok("POST", f"/purchase-orders/{base['id']}/submit")
    api.ok(
        "POST",
        f"/purchase-orders/{base['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "3", "accepted_quantity": "3"}]},
    )
    [received] = api.events("purchasing.GoodsReceived.v1")
    assert (received["exchange_rate"], received["lines"][0]["unit_cost_base"]) == ("1.000000", "10.000000")


def test_conversion_checks_the_rates_it_is_given(api: Api) -> None:
    usd = _supplier(api, "YANKEE", currency="USD")
    api.ok(
        "POST",
        f"/suppliers/{usd['id']}/prices",
        {"sku": "S1", "currency": "USD", "unit_price": "2", "valid_from": "2020-01-01"},
    )
    line_id = _approved_requisition_line(api, "WH1")
    before = api.rows()
    status, problem = api.call(
        "POST",
        "/requisitions/convert",
        {"exchange_rates": {"USD": "0.0001"}, "lines": [{"requisition_line_id": line_id, "supplier_id": usd["id"]}]},
    )
    assert (status, problem["code"], list(problem["errors"]["exchange_rates"])) == (
        422,
        "EXCHANGE_RATE_OUT_OF_BAND",
        ["USD"],
    )
    assert api.rows() == before
    created = api.ok(
        "POST",
        "/requisitions/convert",
        {"exchange_rates": {"USD": "7.1"}, "lines": [{"requisition_line_id": line_id, "supplier_id": usd["id"]}]},
    )
    # 10 × 2 USD × 7.1 = 142 CNY
    assert created["items"][0]["total_amount_base"] == "142.000000"


def _approved_requisition_line(api: Api, warehouse: str, quantity: str = "10") -> int:
    now = utcnow()
    with api.db.unit_of_work() as session:
        req_id = session.execute(
            insert(requisitions).values(
                number=f"REQ-{warehouse}",
                department="OPS",
                requester="u",
                status="approved",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        line_id = session.execute(
            insert(requisition_lines).values(
                requisition_id=req_id,
                line_no=1,
                sku="S1",
                warehouse_code=warehouse,
                quantity=Decimal(quantity),
                ordered_quantity=Decimal(0),
            )
        ).inserted_primary_key[0]
        session.commit()
    return int(line_id)


def test_orders_name_only_active_warehouses_the_replica_knows(api: Api) -> None:
    """Issue 8 point 6: stock must never land in a warehouse inventory does not list or has closed."""
    supplier = _supplier(api)
    line = [{"sku": "S1", "quantity": "1", "unit_price": "1"}]
    before = api.rows()
    for code, problem_code in (("NOWHERE", "UNKNOWN_WAREHOUSE"), ("CLOSED", "INACTIVE_WAREHOUSE")):
        status, problem = api.call(
            "POST", "/purchase-orders", {"supplier_id": supplier["id"], "warehouse_code": code, "lines": line}
        )
        assert (status, problem["code"], list(problem["errors"])) == (422, problem_code, ["warehouse_code"])
        assert code in problem["detail"]
    # conversion into a warehouse the replica does not know (override or the requisition line's own)
    unknown_line = _approved_requisition_line(api, "NOWHERE")
    api.ok("POST", f"/suppliers/{supplier['id']}/prices", {"sku": "S1", "unit_price": "2", "valid_from": "2020-01-01"})
    before = api.rows()
    status, problem = api.call(
        "POST",
        "/requisitions/convert",
        {"lines": [{"requisition_line_id": unknown_line, "supplier_id": supplier["id"]}]},
    )
    assert (status, problem["code"], list(problem["errors"]["lines"]["0"])) == (
        422,
        "UNKNOWN_WAREHOUSE",
        ["warehouse_code"],
    )
    status, problem = api.call(
        "POST",
        "/requisitions/convert",
        {"warehouse_code": "CLOSED", "lines": [{"requisition_line_id": unknown_line, "supplier_id": supplier["id"]}]},
    )
    assert (status, problem["code"], list(problem["errors"])) == (422, "INACTIVE_WAREHOUSE", ["warehouse_code"])
    assert api.rows() == before
    # the override may send the line to a known warehouse
    created = api.ok(
        "POST",
        "/requisitions/convert",
        {"warehouse_code": "WH1", "lines": [{"requisition_line_id": unknown_line, "supplier_id": supplier["id"]}]},
    )
    assert created["items"][0]["warehouse_code"] == "WH1"

    # an order whose warehouse closes after it was drafted can neither be revised nor submitted
    order = _order(api, supplier["id"], "5")
    with api.db.unit_of_work() as session:
        session.execute(text("UPDATE warehouses SET active = false, version = 2 WHERE code = 'WH1'"))
        session.commit()
    before = api.rows()
    for method, path, body in (("PATCH", "", {"expected_date": "2030-01-01"}), ("POST", "/submit", None)):
        status, problem = api.call(method, f"/purchase-orders/{order['id']}{path}", body)
        assert (status, problem["code"]) == (422, "INACTIVE_WAREHOUSE"), path
    assert api.rows() == before


def test_a_receipt_dated_in_the_future_is_refused(api: Api) -> None:
    """Issue 8 point 11: live stock and stock as of now must not disagree about a receipt of tomorrow."""
    supplier = _supplier(api)
    order = _order(api, supplier["id"], "5")
    api.ok("POST", f"/purchase-orders/{order['id']}/submit")
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    before = api.rows()
    status, problem = api.call(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"received_at": tomorrow, "lines": [{"line_no": 1, "received_quantity": "5", "accepted_quantity": "5"}]},
        role="warehouse",
    )
    assert (status, problem["code"], list(problem["errors"])) == (422, "FUTURE_DATE", ["received_at"])
    assert api.rows() == before and api.events("purchasing.GoodsReceived.v1") == []
    # one minute ahead is within the 5 minutes of clock skew allowed; an hour ago is a normal back-dated receipt
    for at in (utcnow() + timedelta(minutes=1), utcnow() - timedelta(hours=1)):
        api.ok(
            "POST",
            f"/purchase-orders/{order['id']}/receipts",
            {
                "received_at": at.isoformat(),
                "lines": [{"line_no": 1, "received_quantity": "2", "accepted_quantity": "2"}],
            },
            role="warehouse",
        )
    assert len(api.events("purchasing.GoodsReceived.v1")) == 2


def test_short_close_settles_a_partly_received_order_and_releases_the_rest_of_its_budget(api: Api) -> None:
    """Issue 8 point 11: 结案 of a partly received order."""
    supplier = _supplier(api)
    period = utcnow().strftime("%Y-%m")
    api.ok("PUT", "/budgets", {"department": "OPS", "period": period, "amount": "5000"})
    order = api.ok(
        "POST",
        "/purchase-orders",
        {
            "supplier_id": supplier["id"],
            "warehouse_code": "WH1",
            "department": "OPS",
            "lines": [
                {"sku": "S1", "quantity": "100", "unit_price": "12.50", "tax_rate": "0.13"},
                {"sku": "S2", "quantity": "10", "unit_price": "3"},
            ],
        },
        role="purchaser",
    )
    # committed: 100 × 12.50 = 1,250 + 13 % = 1,412.50, plus 10 × 3 = 30: 1,442.50 (<= 5,000: automatic)
    api.ok("POST", f"/purchase-orders/{order['id']}/submit", role="purchaser")
    assert api.ok("GET", "/budgets")["items"][0]["committed"] == "1442.500000"

    status, problem = api.call(
        "POST", f"/purchase-orders/{order['id']}/short-close", {"reason": "early"}, role="purchasing_manager"
    )
    assert (status, problem["code"]) == (409, "INVALID_STATUS"), "nothing received yet: cancel it instead"
    # line 1: 70 arrive, 60 pass, 10 are rejected; line 2: all 10 arrive and pass
    api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {
            "lines": [
                {
                    "line_no": 1,
                    "received_quantity": "70",
                    "accepted_quantity": "60",
                    "rejected_quantity": "10",
                    "reject_reason": "scratched",
                },
                {"line_no": 2, "received_quantity": "10", "accepted_quantity": "10"},
            ]
        },
        role="warehouse",
    )
    before = api.rows()
    for role, body, code in (
        ("purchaser", {"reason": "x"}, "ROLE_NOT_PERMITTED"),
        ("purchasing_manager", {}, "VALIDATION_FAILED"),
    ):
        status, problem = api.call("POST", f"/purchase-orders/{order['id']}/short-close", body, role=role)
        assert problem["code"] == code
    assert api.rows() == before

    closed = api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/short-close",
        {"reason": "supplier discontinued it"},
        role="purchasing_manager",
    )
    # line 1 settles at the 60 accepted: 100 − 60 = 40 short-closed (the 10 rejected are no longer owed);
    # line 2 was accepted in full: 0 short-closed
    assert closed["status"] == "closed" and closed["short_close_reason"] == "supplier discontinued it"
    assert [(ln["short_closed_quantity"], ln["owed_quantity"], ln["max_receivable"]) for ln in closed["lines"]] == [
        ("40.000000", "0.000000", "60.000000"),
        ("0.000000", "0.000000", "10.000000"),
    ]
    # kept: 60 × 12.50 = 750 + 97.50 tax = 847.50, plus 30: 877.50; released 1,442.50 − 877.50 = 565
    assert api.ok("GET", "/budgets")["items"][0]["committed"] == "877.500000"
    [event] = api.events("purchasing.PurchaseOrderShortClosed.v1")
    assert (event["released_amount"], event["released_amount_base"], event["reason"]) == (
        "565.000000",
        "565.000000",
        "supplier discontinued it",
    )
    assert [
        (ln["line_no"], ln["ordered_quantity"], ln["accepted_quantity"], ln["short_closed_quantity"])
        for ln in event["lines"]
    ] == [(1, "100.000000", "60.000000", "40.000000"), (2, "10.000000", "10.000000", "0.000000")]
    log = api.ok("GET", f"/purchase-orders/{order['id']}/approvals")["items"]
    assert (log[-1]["decision"], log[-1]["actor_name"], log[-1]["reason"], log[-1]["amount_base"]) == (
        "short_closed",
        "userpurchasing_manager",
        "supplier discontinued it",
        "565.000000",
    )

    before = api.rows()
    status, problem = api.call(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "1", "accepted_quantity": "1"}]},
    )
    assert (status, problem["code"]) == (409, "OVER_RECEIPT"), "a short-closed line takes nothing more"
    status, problem = api.call(
        "POST", f"/purchase-orders/{order['id']}/short-close", {"reason": "again"}, role="purchasing_manager"
    )
    assert (status, problem["code"]) == (409, "INVALID_STATUS")
    assert api.rows() == before
    # accepted goods may still go back to the supplier after the close
    api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/returns",
        {"reason": "scratched after all", "lines": [{"line_no": 1, "quantity": "5"}]},
        role="warehouse",
    )


def test_the_maker_of_an_order_never_approves_it(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 8 point 13: four-eyes above the automatic tier, for every role."""
    supplier = _supplier(api)
    # 1,000 × 10 = 10,000 > 5,000: a purchasing manager's tier
    own = api.ok(
        "POST",
        "/purchase-orders",
        {
            "supplier_id": supplier["id"],
            "warehouse_code": "WH1",
            "lines": [{"sku": "S1", "quantity": "1000", "unit_price": "10"}],
        },
        role="purchasing_manager",
        user="m1",
    )
    api.ok("POST", f"/purchase-orders/{own['id']}/submit", role="purchasing_manager", user="m1")
    before = api.rows()
    status, problem = api.call(
        "POST", f"/purchase-orders/{own['id']}/approve", {}, role="purchasing_manager", user="m1"
    )
    assert (status, problem["code"]) == (403, "SELF_APPROVAL_FORBIDDEN")
    assert own["number"] in problem["detail"]
    assert api.rows() == before
    approved = api.ok("POST", f"/purchase-orders/{own['id']}/approve", {}, role="purchasing_manager", user="m2")
    assert approved["status"] == "approved"

    # who submitted (or revised) the revision is a maker too, even if a clerk drafted it; admins included
    drafted = _order(api, supplier["id"], "1000")  # by user "purchaser"
    api.ok("POST", f"/purchase-orders/{drafted['id']}/submit", role="admin", user="a1")
    status, problem = api.call("POST", f"/purchase-orders/{drafted['id']}/approve", {}, role="admin", user="a1")
    assert (status, problem["code"]) == (403, "SELF_APPROVAL_FORBIDDEN")
    status, problem = api.call(
        "POST", f"/purchase-orders/{drafted['id']}/approve", {}, role="purchasing_manager", user="purchaser"
    )  # the clerk who drafted it, promoted since: still its maker
    assert (status, problem["code"]) == (403, "SELF_APPROVAL_FORBIDDEN")
    # rejecting one's own order is allowed (it only sends it back)
    assert (
        api.ok("POST", f"/purchase-orders/{drafted['id']}/reject", {"reason": "redo"}, role="admin", user="a1")[
            "status"
        ]
        == "draft"
    )

    # a business with a single buyer turns the rule off
    monkeypatch.setenv("PURCHASING_FOUR_EYES", "false")
    config.rules.cache_clear()
    try:
        solo = api.ok(
            "POST",
            "/purchase-orders",
            {
                "supplier_id": supplier["id"],
                "warehouse_code": "WH1",
                "lines": [{"sku": "S1", "quantity": "1000", "unit_price": "10"}],
            },
            role="purchasing_manager",
            user="m1",
        )
        api.ok("POST", f"/purchase-orders/{solo['id']}/submit", role="purchasing_manager", user="m1")
        assert (
            api.ok("POST", f"/purchase-orders/{solo['id']}/approve", {}, role="purchasing_manager", user="m1")["status"]
            == "approved"
        )
    finally:
        monkeypatch.delenv("PURCHASING_FOUR_EYES")
        config.rules.cache_clear()


def test_a_receipt_costs_the_same_statements_for_one_line_or_three(api: Api) -> None:
    """Issue 9, the receipt route: the order's lines get their quantities in one statement, whatever their count."""
    from sqlalchemy import event

    supplier = _supplier(api)
    lines = [{"sku": sku, "quantity": "10", "unit_price": "10"} for sku in ("S1", "S2", "S1")]
    order = api.ok(
        "POST",
        "/purchase-orders",
        {"supplier_id": supplier["id"], "warehouse_code": "WH1", "lines": lines},
        role="purchaser",
    )
    api.ok("POST", f"/purchase-orders/{order['id']}/submit")
    count = [0]

    def counted(*_: Any) -> None:
        count[0] += 1

    def receive(numbers: list[int]) -> tuple[int, dict[str, Any]]:
        event.listen(api.db.engine, "before_cursor_execute", counted)
        count[0] = 0
        try:
            receipt = api.ok(
                "POST",
                f"/purchase-orders/{order['id']}/receipts",
                {"lines": [{"line_no": n, "received_quantity": "2", "accepted_quantity": "2"} for n in numbers]},
                role="warehouse",
            )
        finally:
            event.remove(api.db.engine, "before_cursor_execute", counted)
        return count[0], receipt

    one, first = receive([1])
    three, second = receive([1, 2, 3])
    assert one == three, f"a receipt of one line ran {one} statements, of three lines {three}"
    assert one <= 10, f"{one} statements for a receipt (the order locked with its supplier, lines read, updated)"
    assert [ln["line_no"] for ln in second["lines"]] == [1, 2, 3]
    after = api.ok("GET", f"/purchase-orders/{order['id']}")
    assert [(ln["line_no"], ln["received_quantity"]) for ln in after["lines"]] == [
        (1, "4.000000"),
        (2, "2.000000"),
        (3, "2.000000"),
    ], "line 1 received twice, lines 2 and 3 once"


# --- issue 12: finance's exchange rates ---------------------------------------------------------------------


def _table_rate(api: Api, currency: str, days_ago: int, rate: str, version: int = 1) -> None:
    """A rate in the replica as finance's ExchangeRateSet puts it there: from ``days_ago`` days before today on."""
    with api.db.unit_of_work() as session:
        keep_rate(
            session,
            {
                "currency": currency,
                "valid_from": utcnow().date() - timedelta(days=days_ago),
                "base_currency": "CNY",
                "rate": Decimal(rate),
                "version": version,
                "set_at": utcnow(),
            },
        )
        session.commit()


def _create(api: Api, supplier_id: int, quantity: str, price: str, rate: str | None) -> tuple[int, Any]:
    body: dict[str, Any] = {
        "supplier_id": supplier_id,
        "warehouse_code": "WH1",
        "lines": [{"sku": "S1", "quantity": quantity, "unit_price": price}],
    }
    if rate is not None:
        body["exchange_rate"] = rate
    return api.call("POST", "/purchase-orders", body, role="purchaser")


def test_an_order_in_the_base_currency_has_rate_one_whatever_the_table_holds(api: Api) -> None:
    """Issue 12 acceptance 7: a base-currency order at another rate is refused (problem+json, nothing written)."""
    cny = _supplier(api)
    _table_rate(api, "USD", 5, "7.1")
    before = api.rows()
    for rate in ("2", "0.999999", "7.1"):
        response = api.client.open(
            P + "/purchase-orders",
            method="POST",
            json={
                "supplier_id": cny["id"],
                "warehouse_code": "WH1",
                "exchange_rate": rate,
                "lines": [{"sku": "S1", "quantity": "1", "unit_price": "10"}],
            },
            headers={"Authorization": f"Bearer {KEYS.token('purchaser', sub='purchaser')}"},
        )
        problem = response.get_json()
        assert (response.status_code, response.content_type) == (422, "application/problem+json"), rate
        assert (problem["code"], list(problem["errors"])) == ("EXCHANGE_RATE_NOT_ONE", ["exchange_rate"])
    assert api.rows() == before
    order = _order(api, cny["id"], "3")  # no rate typed: 1
    assert (order["exchange_rate"], order["table_exchange_rate"], order["total_amount_base"]) == (
        "1.000000",
        None,
        "30.000000",  # 3 × 10 × 1
    )


def test_a_foreign_order_without_a_typed_rate_takes_the_table_rate_for_its_date(api: Api) -> None:
    """Issue 12 acceptance 7: the latest rate on or before the order date; one from tomorrow does not count."""
    usd, chf = _supplier(api, "YANKEE", currency="USD"), _supplier(api, "SWISS", currency="CHF")
    _table_rate(api, "USD", 40, "6.9")
    _table_rate(api, "USD", 10, "7.0")  # the one valid today
    _table_rate(api, "USD", -1, "8")  # from tomorrow on: not yet
    status, order = _create(api, usd["id"], "600", "10", None)
    assert status == 201, order
    # 600 × 10 USD = 6,000 USD × 7.0 = 42,000 CNY
    assert (order["exchange_rate"], order["table_exchange_rate"], order["total_amount_base"]) == (
        "7.000000",
        "7.000000",
        "42000.000000",
    )
    # the table replaces the band: CHF has no band (NO_RATE_BAND before), but a table rate; 1 × 10 × 7.9 = 79
    _table_rate(api, "CHF", 0, "7.9")
    status, swiss = _create(api, chf["id"], "1", "10", None)
    assert (status, swiss["exchange_rate"], swiss["total_amount_base"]) == (201, "7.900000", "79.000000")
    # the receipt is valued at the order's rate: 10 USD × 7.0 = 70 CNY a unit
    api.ok("POST", f"/purchase-orders/{order['id']}/submit", role="purchaser")
    api.ok("POST", f"/purchase-orders/{order['id']}/approve", role="purchasing_manager")
    api.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "1", "accepted_quantity": "1"}]},
        role="warehouse",
    )
    [received] = api.events("purchasing.GoodsReceived.v1")
    assert (received["exchange_rate"], received["lines"][0]["unit_cost_base"]) == ("7.000000", "70.000000")
    # without a table rate (GBP) the band rule stays: a rate must be typed
    gbp = _supplier(api, "BRIT", currency="GBP")
    status, problem = _create(api, gbp["id"], "1", "10", None)
    assert (status, problem["code"]) == (422, "EXCHANGE_RATE_REQUIRED")


def test_a_typed_rate_beyond_the_tolerance_goes_to_the_tier_of_the_table_rate_amount(api: Api) -> None:
    """Issue 12: 719 × 1 USD at the table rate 7.0 is 5,033 CNY, above the automatic tier (5,000); typed rates
    below 7.0 would keep it under. Within 1 % of 7.0 (|typed − 7| × 100 <= 7) the typed rate decides the tier."""
    usd = _supplier(api, "YANKEE", currency="USD")
    _table_rate(api, "USD", 3, "7.0")
    routed = {}
    for typed in ("6.95", "6.93", "6.9", "0.8", "7.5"):
        status, order = _create(api, usd["id"], "719", "1", typed)
        assert (status, order["exchange_rate"], order["table_exchange_rate"]) == (
            201,
            f"{Decimal(typed):.6f}",
            "7.000000",
        )
        routed[typed] = api.ok("POST", f"/purchase-orders/{order['id']}/submit", role="purchaser")
    # 719 × 6.95 = 4,997.05 (0.71 % off: within) and 719 × 6.93 = 4,982.67 (exactly 1 % off: within): automatic
    assert routed["6.95"]["status"] == routed["6.93"]["status"] == "approved"
    assert routed["6.95"]["total_amount_base"] == "4997.050000"
    # 719 × 6.9 = 4,961.10 is booked, but 6.9 is 1.43 % off: routed by 719 × 7.0 = 5,033 to the manager's tier;
    # 0.8 (a slipped digit) the same; 7.5 is off too, but its own amount 5,392.50 is the higher one
    for typed in ("6.9", "0.8", "7.5"):
        assert routed[typed]["status"] == "pending_approval", typed
    assert routed["6.9"]["total_amount_base"] == "4961.100000"  # the budget and receipts use the booked rate
    low = routed["6.9"]["id"]
    log = api.ok("GET", f"/purchase-orders/{low}/approvals")["items"]
    assert log[-1]["decision"] == "submitted" and "finance's rate 7" in log[-1]["reason"]
    assert api.ok("GET", f"/purchase-orders/{routed['7.5']['id']}/approvals")["items"][-1]["reason"] is None
    # approval checks the same amount: with up to 5,000 for a purchasing manager and above it for an admin, the
    # manager may not approve the order booked at 4,961.10
    tiers = [
        {"up_to_amount": "5000", "approver_role": "purchasing_manager"},
        {"up_to_amount": None, "approver_role": "admin"},
    ]
    api.ok("PUT", "/approval-tiers", {"document_type": "purchase_order", "tiers": tiers})
    status, problem = api.call("POST", f"/purchase-orders/{low}/approve", role="purchasing_manager")
    assert (status, problem["code"]) == (403, "APPROVER_ROLE_REQUIRED")
    assert "5033" in problem["detail"], "the refusal names the amount the tier was chosen by"
    approved = api.ok("POST", f"/purchase-orders/{low}/approve", role="admin")
    assert (approved["status"], approved["exchange_rate"]) == ("approved", "6.900000")
    [*_, event] = api.events("purchasing.PurchaseOrderApproved.v1")
    assert (event["po_number"], event["total_amount_base"]) == (approved["number"], "4961.100000")


def test_the_rate_tolerance_is_a_setting(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """PURCHASING_FX_RATE_TOLERANCE_PERCENT=0.5: 6.95 is 0.71 % off 7.0, now beyond it (5 > 0.5 × 7 = 3.5)."""
    monkeypatch.setenv("PURCHASING_FX_RATE_TOLERANCE_PERCENT", "0.5")
    config.rules.cache_clear()
    try:
        usd = _supplier(api, "YANKEE", currency="USD")
        _table_rate(api, "USD", 3, "7.0")
        _status, order = _create(api, usd["id"], "719", "1", "6.95")
        assert api.ok("POST", f"/purchase-orders/{order['id']}/submit", role="purchaser")["status"] == (
            "pending_approval"
        )
    finally:
        monkeypatch.delenv("PURCHASING_FX_RATE_TOLERANCE_PERCENT")
        config.rules.cache_clear()


def test_conversion_takes_the_table_rate_when_none_is_given(api: Api) -> None:
    usd = _supplier(api, "YANKEE", currency="USD")
    api.ok(
        "POST",
        f"/suppliers/{usd['id']}/prices",
        {"sku": "S1", "currency": "USD", "unit_price": "2", "valid_from": "2020-01-01"},
    )
    line_id = _approved_requisition_line(api, "WH1")
    body = {"lines": [{"requisition_line_id": line_id, "supplier_id": usd["id"]}]}
    status, problem = api.call("POST", "/requisitions/convert", body)
    assert (status, list(problem["errors"]["lines"]["0"])) == (422, ["supplier_id"]), "no rate typed, none in the table"
    _table_rate(api, "USD", 1, "7.2")
    # a typed rate far off the table's is taken (and routed by the table's amount at submission)
    [typed] = api.ok("POST", "/requisitions/convert", {**body, "exchange_rates": {"USD": "0.0001"}})["items"]
    assert (typed["exchange_rate"], typed["table_exchange_rate"]) == ("0.000100", "7.200000")
    api.ok("POST", f"/purchase-orders/{typed['id']}/cancel", {"reason": "mistyped"})
    line_id = _approved_requisition_line(api, "W")
    [order] = api.ok(
        "POST", "/requisitions/convert", {"lines": [{"requisition_line_id": line_id, "supplier_id": usd["id"]}]}
    )["items"]
    # 10 × 2 USD × 7.2 = 144 CNY
    assert (order["exchange_rate"], order["total_amount_base"]) == ("7.200000", "144.000000")
