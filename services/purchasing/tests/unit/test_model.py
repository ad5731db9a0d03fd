"""The purchasing rules on their own: no database, no Flask, no broker."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from psi_chassis.decimals import has_at_most_6_places
from psi_purchasing.domain.commands import OrderLine, ReceiptLine
from psi_purchasing.domain.errors import InvalidStatus, OverReceipt, RuleViolation, SupplierBlocked
from psi_purchasing.domain.model import (
    POStatus,
    PurchaseOrder,
    Supplier,
    SupplierStatus,
    base_cost,
    po_number,
    receipt_number,
)

D = Decimal


def approved_order(*quantities: str, price: str = "10", rate: str = "1") -> PurchaseOrder:
    po = PurchaseOrder.draft([OrderLine(f"SKU-{i}", D(q), D(price)) for i, q in enumerate(quantities, 1)], D(rate))
    po.submit()
    po.approve()
    return po


def take(line_no: int, received: str, accepted: str | None = None, rejected: str = "0", reason: str | None = None):
    accepted = received if accepted is None else accepted
    return ReceiptLine(line_no, D(received), D(accepted), D(rejected), reason)


# --- drafting -----------------------------------------------------------------------------------------------


def test_draft_numbers_lines_from_one_and_totals_amounts():
    po = PurchaseOrder.draft([OrderLine("A", D("2"), D("1.5")), OrderLine("B", D("3"), D("0.333333"))], D(1))

    assert po.status == POStatus.DRAFT
    assert [line.line_no for line in po.lines] == [1, 2]
    assert [line.amount for line in po.lines] == [D("3.000000"), D("0.999999")]
    assert po.total_amount == D("3.999999")


def test_draft_needs_lines():
    with pytest.raises(RuleViolation) as info:
        PurchaseOrder.draft([], D(1))
    assert "lines" in info.value.errors


@pytest.mark.parametrize(
    ("quantity", "price", "field"),
    [
        ("0", "1", "quantity"),
        ("-1", "1", "quantity"),
        ("1.0000001", "1", "quantity"),
        ("1", "-0.01", "unit_price"),
    ],
)
def test_draft_refuses_bad_quantities_and_prices(quantity, price, field):
    with pytest.raises(RuleViolation) as info:
        PurchaseOrder.draft([OrderLine("A", D("1"), D("1")), OrderLine("B", D(quantity), D(price))], D(1))
    assert list(info.value.errors["lines"]) == ["1"], "only the bad line is reported"
    assert list(info.value.errors["lines"]["1"]) == [field]


@pytest.mark.parametrize("rate", ["0", "-1", "NaN"])
def test_draft_refuses_a_non_positive_exchange_rate(rate):
    with pytest.raises(RuleViolation) as info:
        PurchaseOrder.draft([OrderLine("A", D("1"), D("1"))], D(rate))
    assert "exchange_rate" in info.value.errors


def test_draft_allows_a_free_line():
    po = PurchaseOrder.draft([OrderLine("SAMPLE", D("1"), D("0"))], D(1))
    assert po.total_amount == D(0)


def test_blocked_supplier_cannot_order_but_active_can():
    Supplier(id=1, code="OK", currency="CNY", status=SupplierStatus.ACTIVE).ensure_can_order()
    with pytest.raises(SupplierBlocked) as info:
        Supplier(id=2, code="NO", currency="CNY", status=SupplierStatus.BLOCKED).ensure_can_order()
    assert info.value.code == "SUPPLIER_BLOCKED"
    assert info.value.status == 409


def test_document_numbers_come_from_the_id():
    assert po_number(1) == "PO-000001"
    assert receipt_number(42) == "GRN-000042"
    assert po_number(1234567) == "PO-1234567"


# --- approval -----------------------------------------------------------------------------------------------


def test_approve_needs_a_submitted_order_and_happens_once():
    po = PurchaseOrder.draft([OrderLine("A", D("1"), D("1"))], D(1))
    with pytest.raises(InvalidStatus):
        po.approve()  # a draft must be submitted first
    po.submit()
    assert po.status == POStatus.PENDING_APPROVAL
    po.approve()
    assert po.status == POStatus.APPROVED
    with pytest.raises(InvalidStatus) as info:
        po.approve()
    assert info.value.code == "INVALID_STATUS"
    assert po.status == POStatus.APPROVED


# --- receiving ----------------------------------------------------------------------------------------------


def test_a_draft_cannot_receive_goods():
    po = PurchaseOrder.draft([OrderLine("A", D("5"), D("1"))], D(1))
    with pytest.raises(InvalidStatus):
        po.receive([take(1, "1")])
    assert po.lines[0].received_quantity == 0


def test_partial_then_full_receipt_moves_the_status():
    po = approved_order("10", "4")

    po.receive([take(1, "6")])
    assert po.status == POStatus.PARTIALLY_RECEIVED
    assert po.lines[0].received_quantity == D(6)

    po.receive([take(1, "4"), take(2, "3.5")])
    assert po.status == POStatus.PARTIALLY_RECEIVED

    po.receive([take(2, "0.5")])
    assert po.status == POStatus.CLOSED
    assert [line.received_quantity for line in po.lines] == [D(10), D(4)]


def test_a_closed_order_takes_no_more_goods():
    po = approved_order("1")
    po.receive([take(1, "1")])
    assert po.status == POStatus.CLOSED
    with pytest.raises(OverReceipt):
        po.receive([take(1, "1")])


def test_over_receipt_is_refused_and_changes_nothing():
    po = approved_order("10", "5")
    po.receive([take(1, "7")])
    before = copy.deepcopy(po)

    with pytest.raises(OverReceipt) as info:
        po.receive([take(2, "5"), take(1, "3.000001")])

    assert info.value.code == "OVER_RECEIPT"
    assert info.value.status == 409
    assert list(info.value.errors["lines"]) == ["1"], "only the offending receipt line is reported"
    assert po == before, "a refused receipt must not apply its valid lines either"


def test_receiving_exactly_the_open_quantity_is_allowed():
    po = approved_order("10")
    po.receive([take(1, "9.999999")])
    po.receive([take(1, "0.000001")])
    assert po.status == POStatus.CLOSED


def test_rejected_goods_count_as_received_but_stay_owed():
    po = approved_order("10")
    lines = po.receive([take(1, "10", accepted="8", rejected="2", reason="broken seal")])

    # 10 ordered, 8 accepted: the supplier still owes 10 − 8 = 2, so the order stays open
    assert po.status == POStatus.PARTIALLY_RECEIVED
    line = po.lines[0]
    assert (line.received_quantity, line.accepted_quantity, line.rejected_quantity) == (D(10), D(8), D(2))
    assert line.owed == D(2)
    assert lines[0].accepted_quantity == D(8) and lines[0].reject_reason == "broken seal"


def test_replacements_for_rejected_goods_are_received_up_to_what_is_owed():
    po = approved_order("10")
    po.receive([take(1, "10", accepted="8", rejected="2", reason="broken seal")])
    # 2 replacements arrive and pass: accepted 8 + 2 = 10 of 10, received 10 + 2 = 12; nothing owed, closed
    po.receive([take(1, "2")])
    line = po.lines[0]
    assert (line.received_quantity, line.accepted_quantity, line.owed, po.status) == (
        D(12),
        D(10),
        D(0),
        POStatus.CLOSED,
    )


def test_more_than_owed_is_still_an_over_receipt():
    po = approved_order("10")
    po.receive([take(1, "10", accepted="8", rejected="2", reason="broken seal")])
    before = copy.deepcopy(po)
    # 8 accepted + 3 = 11 > 10 that may be accepted (no tolerance)
    with pytest.raises(OverReceipt) as info:
        po.receive([take(1, "3")])
    assert "accepted_quantity" in info.value.errors["lines"]["0"]
    assert po == before
    # a delivery whose surplus is rejected fits: 8 + 2 accepted = 10, the 1 rejected stays out
    po.receive([take(1, "3", accepted="2", rejected="1", reason="dented")])
    assert (po.lines[0].accepted_quantity, po.status) == (D(10), POStatus.CLOSED)


@pytest.mark.parametrize(
    ("received", "accepted", "rejected"),
    [("5", "4", "0"), ("5", "5", "1"), ("5", "3", "1")],
)
def test_accepted_plus_rejected_must_equal_received(received, accepted, rejected):
    po = approved_order("10")
    with pytest.raises(RuleViolation) as info:
        po.receive([take(1, received, accepted=accepted, rejected=rejected, reason="x")])
    assert info.value.status == 422
    assert "accepted_quantity" in info.value.errors["lines"]["0"]
    assert po.lines[0].received_quantity == 0


def test_a_rejection_needs_a_reason():
    po = approved_order("10")
    for reason in (None, "", "   "):
        with pytest.raises(RuleViolation) as info:
            po.receive([take(1, "5", accepted="4", rejected="1", reason=reason)])
        assert "reject_reason" in info.value.errors["lines"]["0"]
    po.receive([take(1, "5", accepted="5", reason=None)])
    assert po.lines[0].received_quantity == D(5)


def test_unknown_and_repeated_lines_are_refused():
    po = approved_order("10", "10")
    with pytest.raises(RuleViolation) as info:
        po.receive([take(3, "1")])
    assert "line_no" in info.value.errors["lines"]["0"]

    with pytest.raises(RuleViolation) as info:
        po.receive([take(1, "1"), take(1, "1")])
    assert list(info.value.errors["lines"]) == ["1"]
    assert po.lines[0].received_quantity == 0


@pytest.mark.parametrize(
    ("received", "accepted", "rejected"),
    [("0", "0", "0"), ("-1", "-1", "0"), ("1", "2", "-1"), ("0.0000001", "0.0000001", "0")],
)
def test_receipt_quantities_must_be_positive_with_six_places(received, accepted, rejected):
    po = approved_order("10")
    with pytest.raises(RuleViolation):
        po.receive([take(1, received, accepted=accepted, rejected=rejected, reason="x")])


def test_a_receipt_needs_lines():
    with pytest.raises(RuleViolation):
        approved_order("1").receive([])


# --- cost ---------------------------------------------------------------------------------------------------


def test_receipt_lines_carry_po_price_and_base_cost():
    po = approved_order("3", price="1.234567", rate="7.123457")
    (line,) = po.receive([take(1, "3")])
    assert line.sku == "SKU-1"
    assert line.unit_cost == D("1.234567")
    # 1.234567 * 7.123457 = 8.794384938119 -> 8.794385
    assert line.unit_cost_base == D("8.794385")


@pytest.mark.parametrize(
    ("price", "rate", "expected"),
    [
        ("1", "1", "1.000000"),
        ("0.0000005", "1", "0.000000"),  # half to even: down to 0
        ("0.0000015", "1", "0.000002"),  # half to even: up to 2
        ("0.333333", "3", "0.999999"),
        ("100", "0.137", "13.700000"),
        ("0", "7.1", "0.000000"),
    ],
)
def test_base_cost_rounds_to_six_decimals(price, rate, expected):
    result = base_cost(D(price), D(rate))
    assert result == D(expected)
    assert result.as_tuple().exponent == -6


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1", True),
        ("1.5000000", True),
        ("0.000001", True),
        ("0E-20", True),
        ("1.0000001", False),
        ("1E+30", True),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_six_decimal_places(value, ok):
    assert has_at_most_6_places(D(value)) is ok
