"""Supplier bills on real PostgreSQL: the three-way match against what purchasing's events said, a bill within
tolerance posted at once, one outside waiting in the exception queue until an accountant accepts (posted with
its variance) or rejects it (nothing posted), and bad input refused with nothing changed. Purchasing's events as
the match keeps them: each counts once (a redelivery, and a receipt republished under a new event id), the
newest revision's terms win, returns come off the received goods, a cancelled order matches nothing.

The order used unless a test says otherwise, PO-1 of supplier 3 in CNY: line 1, 100 x SKU-A at 10.00; line 2,
50 x SKU-B at 4.00; both 13 % VAT. Receipt GRN-1: 80 of line 1 at 10.00 (800.00) and 50 of line 2 at 4.00
(200.00): GRNI is credited 1000.00 by inventory's StockReceived.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from psi_contracts.events.finance import BILL_POSTED_V1
from psi_contracts.events.inventory import STOCK_RECEIVED_V1
from psi_contracts.events.purchasing import (
    GOODS_RECEIVED_V1,
    GOODS_RETURNED_V1,
    PURCHASE_ORDER_APPROVED_V1,
    PURCHASE_ORDER_CANCELLED_V1,
    PURCHASE_ORDER_SHORT_CLOSED_V1,
)
from psi_contracts.examples import load_example

pytestmark = pytest.mark.integration
D = Decimal
BILL_DATE = "2025-03-20"
BILL_TABLES = ("supplier_bills", "supplier_bill_lines", "payables", "outbox")


def event_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bills-{name}"))


def approve(
    api: Any,
    po: str = "1",
    lines: tuple[tuple[int, str, str, str], ...] = ((1, "SKU-A", "100", "10.00"), (2, "SKU-B", "50", "4.00")),
    *,
    revision: int = 1,
    currency: str = "CNY",
    rate: str = "1",
) -> list[str]:
    data = {
        "po_id": po,
        "po_number": f"PO-{po}",
        "revision": revision,
        "supplier_id": "3",
        "supplier_code": "SUP-3",
        "warehouse_code": "WH-1",
        "currency": currency,
        "exchange_rate": rate,
        "approved_at": "2025-03-10T10:00:00+08:00",
        "lines": [
            {"line_no": n, "sku": sku, "quantity": q, "unit_price": p, "tax_rate": "0.13"} for n, sku, q, p in lines
        ],
        "total_amount": "0",
        "total_amount_base": "0",
    }
    return api.deliver(PURCHASE_ORDER_APPROVED_V1, data, event_id=event_id(f"approve-{po}-{revision}"))


def receive(
    api: Any,
    receipt: str = "GRN-1",
    po: str = "1",
    lines: tuple[tuple[int, str, str, str, str], ...] = (
        (1, "SKU-A", "80", "10.00", "10.00"),
        (2, "SKU-B", "50", "4.00", "4.00"),
    ),
    *,
    currency: str = "CNY",
    rate: str = "1",
    name: str | None = None,
) -> list[str]:
    data = {
        "receipt_id": f"r-{receipt}",
        "receipt_number": receipt,
        "po_id": po,
        "po_number": f"PO-{po}",
        "supplier_id": "3",
        "supplier_code": "SUP-3",
        "warehouse_code": "WH-1",
        "received_at": "2025-03-14T10:00:00+08:00",
        "currency": currency,
        "exchange_rate": rate,
        "lines": [
            {
                "line_no": n,
                "sku": sku,
                "received_quantity": q,
                "accepted_quantity": q,
                "rejected_quantity": "0",
                "unit_cost": cost,
                "unit_cost_base": base,
            }
            for n, sku, q, cost, base in lines
        ],
    }
    return api.deliver(GOODS_RECEIVED_V1, data, event_id=event_id(name or f"receive-{receipt}"))


def stock_received(api: Any, receipt: str, total: str) -> None:
    """Inventory's StockReceived for the receipt: Dr Inventory / Cr GRNI ``total``."""
    data = {**load_example(STOCK_RECEIVED_V1)["data"], "document_ref": receipt, "total_value": total}
    api.deliver(STOCK_RECEIVED_V1, data, event_id=event_id(f"stock-{receipt}"), source="inventory")


def bill(lines: list[tuple[int, str, str]], number: str = "INV-88", po: str = "1", **changes: Any) -> dict:
    """A bill body: lines as (order line, quantity, unit price), 13 % VAT."""
    return {
        "supplier_id": "3",
        "po_number": f"PO-{po}",
        "bill_number": number,
        "bill_date": BILL_DATE,
        "currency": "CNY",
        "lines": [{"po_line_no": n, "quantity": q, "unit_price": p, "tax_rate": "0.13"} for n, q, p in lines],
        **changes,
    }


def entry_sides(api: Any, entry_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    entry = api.ok("GET", f"/journal-entries/{entry_id}")
    return {ln["account"]: (D(ln["debit"]), D(ln["credit"])) for ln in entry["lines"]}


def balance(api: Any, account: str) -> Decimal:
    return D(
        api.scalar("SELECT coalesce(sum(debit) - sum(credit), 0) FROM journal_lines WHERE account = :a", a=account)
    )


def fingerprint(api: Any) -> dict[str, Any]:
    """The books and every table a bill writes, and what the bills claim of the orders."""
    counts = {t: api.scalar(f"SELECT count(*) FROM {t}") for t in BILL_TABLES}
    claimed = api.scalar(
        "SELECT coalesce(sum(pending_quantity), 0) + coalesce(sum(billed_quantity), 0) FROM payable_order_lines"
    )
    return {**api.rows(), **counts, "claimed": D(claimed)}


@pytest.fixture
def order(api: Any) -> Any:
    """PO-1 approved and GRN-1 received (and valued by inventory: GRNI credited 1000.00)."""
    assert approve(api) == ["ack"]
    assert receive(api) == ["ack"]
    stock_received(api, "GRN-1", "1000.00")
    return api


def test_a_bill_within_tolerance_posts_grni_variance_vat_and_payables(order: Any) -> None:
    api = order
    posted = api.ok("POST", "/supplier-bills", bill([(1, "80", "10.01"), (2, "50", "4.00")]))
    # net 80 x 10.01 = 800.80 (0.80 over the order: within min(2 % of 800.00, 1.00)) + 50 x 4.00 = 200.00
    # VAT 13 %: 104.104 + 26.00 = 130.104; gross 1130.904
    assert (posted["status"], posted["payable_number"]) == ("posted", "AP-000001")
    assert (D(posted["net_amount"]), D(posted["tax_amount"]), D(posted["total_amount"])) == (
        D("1000.80"),
        D("130.104"),
        D("1130.904"),
    )
    assert (D(posted["grni_amount"]), D(posted["variance_amount"]), D(posted["open_amount"])) == (
        D("1000.00"),
        D("0.80"),
        D("1130.904"),
    )
    assert posted["due_date"] == "2025-04-19"  # 30 days after 2025-03-20
    assert [ln["reasons"] for ln in posted["lines"]] == [[], []]
    assert entry_sides(api, posted["entry_id"]) == {
        "2204": (D("1000.00"), D(0)),  # GRNI: what GRN-1 credited
        "5403": (D("0.80"), D(0)),  # purchase price variance
        "2221.01": (D("130.104"), D(0)),  # VAT input
        "2202": (D(0), D("1130.904")),  # payables, the gross
    }
    entry = api.ok("GET", f"/journal-entries/{posted['entry_id']}")
    assert (entry["source_kind"], entry["document_ref"]) == ("supplier_bill", "INV-88")
    assert {ln["party"] for ln in entry["lines"] if ln["account"] == "2202"} == {"supplier:3"}
    assert balance(api, "2204") == 0  # GRNI cleared: -1000.00 + 1000.00
    assert balance(api, "2202") == D("-1130.904")
    (event,) = api.events(BILL_POSTED_V1)
    assert (event["number"], event["bill_number"], event["match"], event["supplier_id"]) == (
        "AP-000001",
        "INV-88",
        "matched",
        "3",
    )
    assert (D(event["total_amount"]), D(event["base_total_amount"]), D(event["variance_amount"])) == (
        D("1130.904"),
        D("1130.904"),
        D("0.80"),
    )
    assert api.ok("GET", "/bill-exceptions")["total"] == 0
    assert api.ok("GET", f"/supplier-bills/{posted['id']}", role="viewer")["status"] == "posted"


def test_a_bill_outside_tolerance_waits_and_posts_when_accepted_with_its_variance(order: Any) -> None:
    api = order
    before = api.rows()
    waiting = api.ok("POST", "/supplier-bills", bill([(1, "80", "10.50"), (2, "50", "4.00")], "INV-90"))
    # line 1: 80 x 0.50 = 40.00 over the order's price, beyond 1.00
    assert (waiting["status"], waiting["entry_id"], waiting["payable_number"]) == ("exception", None, None)
    assert [ln["reasons"] for ln in waiting["lines"]] == [["PRICE"], []]
    assert waiting["lines"][0]["detail"] == "billed at 10.5, ordered at 10"
    assert api.rows() == before and api.events(BILL_POSTED_V1) == []  # nothing posted
    (queued,) = api.ok("GET", "/bill-exceptions", role="viewer")["items"]
    assert (queued["id"], queued["bill_number"]) == (waiting["id"], "INV-90")

    accepted = api.ok("POST", f"/supplier-bills/{waiting['id']}/accept", {"note": "price rise agreed by phone"})
    # net 840.00 + 200.00 = 1040.00; VAT 109.20 + 26.00 = 135.20; gross 1175.20; variance 840.00 - 800.00
    assert (accepted["status"], accepted["payable_number"], accepted["resolved_by"]) == (
        "posted",
        "AP-000001",
        "accountant",
    )
    assert entry_sides(api, accepted["entry_id"]) == {
        "2204": (D("1000.00"), D(0)),
        "5403": (D("40.00"), D(0)),
        "2221.01": (D("135.20"), D(0)),
        "2202": (D(0), D("1175.20")),
    }
    (event,) = api.events(BILL_POSTED_V1)
    assert (event["match"], D(event["variance_amount"])) == ("accepted", D("40.00"))
    assert api.ok("GET", "/bill-exceptions")["total"] == 0
    status, problem = api.call("POST", f"/supplier-bills/{waiting['id']}/accept", {"note": "again"})
    assert (status, problem["code"]) == (409, "BILL_NOT_IN_EXCEPTION")


def test_a_rejected_bill_posts_nothing_and_frees_its_number_and_quantities(order: Any) -> None:
    api = order
    before = fingerprint(api)
    waiting = api.ok("POST", "/supplier-bills", bill([(1, "100", "10.00")], "INV-91"))
    # 100 billed, 80 received and not billed: within the 100 ordered, so it waits rather than being refused
    assert [ln["reasons"] for ln in waiting["lines"]] == [["QUANTITY"]]
    assert waiting["lines"][0]["detail"] == "billed 100, received and not billed 80"
    rejected = api.ok("POST", f"/supplier-bills/{waiting['id']}/reject", {"note": "the supplier billed 20 too many"})
    assert (rejected["status"], rejected["entry_id"], rejected["resolution_note"]) == (
        "rejected",
        None,
        "the supplier billed 20 too many",
    )
    after = fingerprint(api)
    assert {k: v for k, v in after.items() if k not in ("supplier_bills", "supplier_bill_lines")} == {
        k: v for k, v in before.items() if k not in ("supplier_bills", "supplier_bill_lines")
    }  # nothing posted, nothing claimed: only the rejected bill is kept
    again = api.ok("POST", "/supplier-bills", bill([(1, "80", "10.00")], "INV-91"))  # the corrected bill
    assert (again["status"], D(again["grni_amount"]), D(again["variance_amount"])) == ("posted", D("800.00"), D(0))
    status, problem = api.call("POST", f"/supplier-bills/{waiting['id']}/accept", {"note": "changed my mind"})
    assert (status, problem["code"]) == (409, "BILL_NOT_IN_EXCEPTION")


def test_the_exception_queue_names_every_reason(api: Any) -> None:
    approve(api)
    receive(api, lines=((1, "SKU-A", "80", "10.00", "10.00"),))  # nothing of line 2 yet
    waiting = api.ok("POST", "/supplier-bills", bill([(1, "80", "10.02"), (2, "10", "4.00"), (9, "1", "5.00")]))
    assert [ln["reasons"] for ln in waiting["lines"]] == [["PRICE"], ["NO_RECEIPT"], ["NO_ORDER"]]
    # what accepting now would post: GRNI 800.00; the variance 80 x 0.02 = 1.60 + 40.00 + 5.00 not received
    assert (D(waiting["grni_amount"]), D(waiting["variance_amount"])) == (D("800.00"), D("46.60"))
    listed = api.ok("GET", "/bill-exceptions?supplier_id=3")
    assert [b["id"] for b in listed["items"]] == [waiting["id"]]
    assert api.ok("GET", "/bill-exceptions?supplier_id=4")["total"] == 0
    assert api.ok("GET", "/supplier-bills?status=exception")["total"] == 1


def test_a_foreign_currency_bill_converts_at_the_orders_rate(api: Any) -> None:
    approve(api, "42", ((1, "SKU-A", "100", "12.50"),), currency="USD", rate="7.1")
    receive(api, "GRN-42", "42", ((1, "SKU-A", "98", "12.50", "88.75"),), currency="USD", rate="7.1")
    posted = api.ok("POST", "/supplier-bills", bill([(1, "98", "12.50")], "ACME-1", "42", currency="USD"))
    # 98 x 12.50 = 1225.00 USD = 8697.50 CNY at 7.1, as received (98 x 88.75); VAT 159.25 USD = 1130.675 CNY
    assert (posted["status"], D(posted["exchange_rate"]), D(posted["total_amount"])) == (
        "posted",
        D("7.1"),
        D("1384.25"),
    )
    assert D(posted["base_total_amount"]) == D("9828.175")
    assert entry_sides(api, posted["entry_id"]) == {
        "2204": (D("8697.50"), D(0)),
        "2221.01": (D("1130.675"), D(0)),
        "2202": (D(0), D("9828.175")),
    }
    entry = api.ok("GET", f"/journal-entries/{posted['entry_id']}")
    (ap,) = [ln for ln in entry["lines"] if ln["account"] == "2202"]
    assert (ap["currency"], D(ap["amount_currency"])) == ("USD", D("1384.25"))
    status, problem = api.call("POST", "/supplier-bills", bill([(1, "1", "12.50")], "ACME-2", "42"))  # in CNY
    assert (status, problem["code"], list(problem["errors"])) == (422, "INVALID_BILL", ["currency"])


def test_bad_bills_are_refused_and_change_nothing(order: Any) -> None:
    api = order
    api.ok("POST", "/supplier-bills", bill([(1, "80", "10.00")]))  # INV-88 posted: 80 of line 1 billed
    before = fingerprint(api)
    cases = [
        (bill([(1, "1", "10.00")], "X-1", "404"), 422, "UNKNOWN_PURCHASE_ORDER"),
        (bill([(1, "1", "10.00")], "INV-88"), 409, "DUPLICATE_BILL_NUMBER"),
        # 80 received and billed; 100 ordered: at most 20 more may ever be billed on line 1
        (bill([(1, "21", "10.00")], "X-2"), 422, "OVER_BILLED"),
        (bill([(2, "10", "4.00"), (2, "10", "4.00")], "X-3"), 422, "INVALID_BILL"),
        (bill([(1, "1", "10.00")], "X-4", supplier_id="4"), 422, "INVALID_BILL"),
        (bill([(1, "1", "10.00")], "X-5", bill_date="2999-01-01"), 422, "FUTURE_DATE"),
        (bill([(1, "1", "10.00")], "X-6", due_date="2025-03-01"), 422, "INVALID_BILL"),
        (bill([(1, "1", "10.00")], "X-7", po_id="1"), 422, "VALIDATION_FAILED"),  # po_id and po_number
    ]
    for body, status, code in cases:
        answer = api.call("POST", "/supplier-bills", body)
        assert (answer[0], answer[1]["code"]) == (status, code), (body, answer)
    as_number = bill([(2, "10", "4.00")], "X-8")
    as_number["lines"][0]["quantity"] = 10
    status, problem = api.call("POST", "/supplier-bills", as_number)
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED") and "lines" in problem["errors"]
    status, _ = api.call("POST", "/supplier-bills", bill([(2, "10", "4.00")], "X-9"), role="viewer")
    assert status == 403
    assert fingerprint(api) == before
    assert api.call("GET", "/supplier-bills/999")[1]["code"] == "SUPPLIER_BILL_NOT_FOUND"


# --- purchasing's events, as the match keeps them ------------------------------------------------------------


def kept(api: Any, column: str, po: str = "1", line: int = 1) -> Any:
    value = api.scalar(f"SELECT {column} FROM payable_order_lines WHERE po_id = :p AND line_no = :n", p=po, n=line)
    return D(value) if isinstance(value, Decimal) else value


def test_each_purchasing_event_delivered_twice_counts_once(api: Any) -> None:
    assert approve(api) == ["ack"]
    assert approve(api) == ["duplicate"]
    assert receive(api) == ["ack"]
    before = fingerprint(api)
    assert receive(api) == ["duplicate"]
    assert receive(api, name="GRN-1 republished") == ["ack"]  # a new event id, the same receipt: counted once
    assert fingerprint(api) == before
    assert (kept(api, "received_quantity"), kept(api, "received_value")) == (D(80), D("800.00"))
    receive(api, "GRN-2", lines=((1, "SKU-A", "15", "10.00", "10.00"),))
    assert (kept(api, "received_quantity"), kept(api, "received_value")) == (D(95), D("950.00"))  # 80 + 15


def test_the_newest_revision_decides_and_a_late_older_one_changes_nothing(api: Any) -> None:
    approve(api, revision=2, lines=((1, "SKU-A", "120", "11.00"),))  # line 2 dropped, line 1 dearer
    approve(api, revision=1)  # the older revision arrives late
    assert (kept(api, "ordered_quantity"), kept(api, "unit_price")) == (D(120), D("11.00"))
    receive(api)  # GRN-1 counted on both lines, whatever the revision
    assert api.scalar("SELECT revision FROM payable_orders WHERE po_id = '1'") == 2
    posted = api.ok("POST", "/supplier-bills", bill([(1, "80", "11.00")]))
    assert posted["status"] == "posted"  # at revision 2's price
    # the receipt was valued at 10.00: GRNI 800.00, variance 80 x 1.00 = 80.00
    assert (D(posted["grni_amount"]), D(posted["variance_amount"])) == (D("800.00"), D("80.00"))
    waiting = api.ok("POST", "/supplier-bills", bill([(2, "50", "4.00")], "INV-89"))
    assert [ln["reasons"] for ln in waiting["lines"]] == [["NO_ORDER"]]  # not on revision 2


def test_returned_goods_are_not_billed(api: Any) -> None:
    approve(api)
    receive(api)
    returned = {
        "return_id": "ret-1",
        "return_number": "PR-1",
        "po_id": "1",
        "po_number": "PO-1",
        "supplier_id": "3",
        "warehouse_code": "WH-1",
        "returned_at": "2025-03-15T10:00:00+08:00",
        "reason": "damaged in transit",
        "lines": [{"line_no": 1, "sku": "SKU-A", "quantity": "20", "unit_cost_base": "10.00"}],
    }
    assert api.deliver(GOODS_RETURNED_V1, returned, event_id=event_id("return-1")) == ["ack"]
    assert api.deliver(GOODS_RETURNED_V1, returned, event_id=event_id("return-1 again")) == ["ack"]  # counted once
    assert (kept(api, "returned_quantity"), kept(api, "returned_value")) == (D(20), D("200.00"))
    too_many = api.ok("POST", "/supplier-bills", bill([(1, "80", "10.00")]))
    assert [ln["reasons"] for ln in too_many["lines"]] == [["QUANTITY"]]  # 80 - 20 = 60 kept
    api.ok("POST", f"/supplier-bills/{too_many['id']}/reject", {"note": "20 went back"})
    posted = api.ok("POST", "/supplier-bills", bill([(1, "60", "10.00")]))
    assert (posted["status"], D(posted["grni_amount"])) == ("posted", D("600.00"))  # 800.00 - 200.00 returned


def test_a_cancelled_order_matches_nothing_and_a_short_closed_one_no_more_than_arrived(api: Any) -> None:
    approve(api)
    cancelled = {
        "po_id": "1",
        "po_number": "PO-1",
        "revision": 1,
        "cancelled_at": "2025-03-12T10:00:00+08:00",
        "reason": "not needed",
    }
    api.deliver(PURCHASE_ORDER_CANCELLED_V1, cancelled, event_id=event_id("cancel-1"))
    waiting = api.ok("POST", "/supplier-bills", bill([(1, "1", "10.00")]))
    assert [ln["reasons"] for ln in waiting["lines"]] == [["NO_ORDER"]]

    approve(api, "2")
    receive(api, "GRN-2", "2", ((1, "SKU-A", "60", "10.00", "10.00"),))
    short = {
        "po_id": "2",
        "po_number": "PO-2",
        "revision": 1,
        "supplier_id": "3",
        "warehouse_code": "WH-1",
        "currency": "CNY",
        "closed_at": "2025-03-16T10:00:00+08:00",
        "reason": "the rest is not coming",
        "lines": [
            {
                "line_no": 1,
                "sku": "SKU-A",
                "ordered_quantity": "100",
                "accepted_quantity": "60",
                "short_closed_quantity": "40",
            },
        ],
        "released_amount": "452.00",
        "released_amount_base": "452.00",
    }
    api.deliver(PURCHASE_ORDER_SHORT_CLOSED_V1, short, event_id=event_id("short-2"))
    assert api.scalar("SELECT status FROM payable_orders WHERE po_id = '2'") == "short_closed"
    more = api.ok("POST", "/supplier-bills", bill([(1, "100", "10.00")], "INV-2", "2"))
    assert [ln["reasons"] for ln in more["lines"]] == [["QUANTITY"]]  # 60 arrived; the rest never will
    api.ok("POST", f"/supplier-bills/{more['id']}/reject", {"note": "only 60 came"})
    exact = api.ok("POST", "/supplier-bills", bill([(1, "40", "10.00")], "INV-3", "2"))
    assert exact["status"] == "posted"  # 40 of the 60 received
