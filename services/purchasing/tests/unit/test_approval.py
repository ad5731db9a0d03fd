"""The approval policy on its own (domain/approval.py) and the order lifecycle around it: no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from psi_contracts.permissions import ROLES
from psi_purchasing.domain.approval import (
    DEFAULT_TIERS,
    Tier,
    amount_base,
    budget_period,
    can_approve,
    ensure_can_approve,
    ensure_fits,
    tier_for,
    validate_tiers,
)
from psi_purchasing.domain.commands import OrderLine, ReceiptLine, ReturnLine
from psi_purchasing.domain.errors import (
    AlreadyReceived,
    ApproverRoleRequired,
    BudgetExceeded,
    InvalidStatus,
    OverReceipt,
    OverReturn,
    RuleViolation,
)
from psi_purchasing.domain.model import POStatus, PurchaseOrder

D = Decimal


@pytest.mark.parametrize(
    ("amount", "role"),
    [
        ("0", None),
        ("5000", None),  # the bound is inclusive
        ("5000.000001", "purchasing_manager"),
        ("50000", "purchasing_manager"),
        ("50000.01", "admin"),
        ("999999999", "admin"),
    ],
)
def test_default_tiers(amount: str, role: str | None) -> None:
    assert tier_for(DEFAULT_TIERS, D(amount)).approver_role == role


def test_tiers_are_sorted_and_checked() -> None:
    tiers = validate_tiers([Tier(None, "admin"), Tier(D(100), None), Tier(D(10), "viewer")], ROLES)
    assert [t.up_to_amount for t in tiers] == [D(10), D(100), None]
    assert tier_for(tiers, D(50)).automatic
    for bad in (
        [],
        [Tier(D(1), None)],
        [Tier(None, None), Tier(None, "admin")],
        [Tier(D(0), None), Tier(None, None)],
        [Tier(D(5), None), Tier(D(5), "admin"), Tier(None, None)],
        [Tier(None, "king")],
    ):
        with pytest.raises(RuleViolation):
            validate_tiers(bad, ROLES)


def test_a_table_without_an_unbounded_tier_sends_large_amounts_to_an_admin() -> None:
    assert tier_for([Tier(D(10), None)], D(11)) == Tier(None, "admin")


def test_who_may_approve() -> None:
    manager_tier = Tier(D(50000), "purchasing_manager")
    assert can_approve(manager_tier, {"purchasing_manager"})
    assert can_approve(manager_tier, {"admin"})  # an admin may always
    assert not can_approve(manager_tier, {"purchaser"})
    assert can_approve(Tier(D(1), None), set())
    with pytest.raises(ApproverRoleRequired) as info:
        ensure_can_approve(Tier(None, "admin"), {"purchasing_manager"}, D(60000))
    assert (info.value.status, info.value.code) == (403, "APPROVER_ROLE_REQUIRED")


def test_base_amount_and_period() -> None:
    assert amount_base(D("1412.5"), D("7.1")) == D("10028.750000")  # 1412.5 × 7.1
    assert amount_base(D("1"), D("0.3333333")) == D("0.333333")
    assert budget_period(date(2026, 3, 31)) == "2026-03"


def test_budget_fits_up_to_the_amount() -> None:
    ensure_fits(D(100), D(60), D(40), department="OPS", period="2026-01")  # 60 + 40 = 100: fits exactly
    with pytest.raises(BudgetExceeded) as info:
        ensure_fits(D(100), D(60), D("40.01"), department="OPS", period="2026-01")
    assert "by 0.01" in info.value.detail  # 60 + 40.01 − 100 = 0.01


def _order(quantity: str = "10", price: str = "10", tax: str = "0") -> PurchaseOrder:
    return PurchaseOrder.draft([OrderLine("A", D(quantity), D(price), D(tax))], D(2))


def test_totals_include_tax_and_convert_to_base() -> None:
    po = _order("10", "10", "0.13")
    # 10 × 10 = 100 net; + 13 = 113; × rate 2 = 226
    assert (po.net_amount, po.total_amount, po.total_amount_base) == (D(100), D(113), D(226))


def test_submit_approve_reject_unapprove_cancel() -> None:
    po = _order()
    po.submit()
    po.reject()
    assert po.status == POStatus.DRAFT
    po.submit()
    po.approve(D("0.05"))
    assert po.lines[0].max_receivable == D("10.5")  # 10 × 1.05
    po.unapprove()
    assert (po.status, po.lines[0].max_receivable) == (POStatus.DRAFT, None)
    with pytest.raises(InvalidStatus):
        po.unapprove()
    po.submit()
    po.approve()
    assert po.cancel() is True
    assert po.status == POStatus.CANCELLED
    with pytest.raises(InvalidStatus):
        po.cancel()


def test_amending_an_approved_order_makes_a_new_revision() -> None:
    po = _order()
    assert po.amend([OrderLine("A", D(5), D(1))]) is False  # a draft changes in place
    assert (po.revision, po.total_amount) == (1, D(5))
    po.submit()
    po.approve()
    assert po.amend(None) is True
    assert (po.revision, po.status, po.lines[0].max_receivable) == (2, POStatus.PENDING_APPROVAL, None)


def test_nothing_changes_after_a_receipt() -> None:
    po = _order()
    po.submit()
    po.approve()
    po.receive([ReceiptLine(1, D(4), D(4))])
    for action in (po.unapprove, po.cancel, lambda: po.amend(None)):
        with pytest.raises(AlreadyReceived):
            action()
    assert po.status == POStatus.PARTIALLY_RECEIVED


def test_receipts_up_to_the_tolerance_then_closed() -> None:
    po = _order("100")
    po.submit()
    po.approve(D("0.02"))  # max 100 × 1.02 = 102
    with pytest.raises(OverReceipt):
        po.receive([ReceiptLine(1, D("102.5"), D("102.5"))])
    po.receive([ReceiptLine(1, D(60), D(60))])
    po.receive([ReceiptLine(1, D(41), D(40), D(1), "broken")])  # 60 + 41 = 101 >= 100: closed
    assert po.status == POStatus.CLOSED
    with pytest.raises(OverReceipt):
        po.receive([ReceiptLine(1, D(1), D(1))])


def test_returns_at_most_accepted_minus_returned() -> None:
    po = _order("10", "10")
    with pytest.raises(InvalidStatus):
        po.return_goods([ReturnLine(1, D(1))])
    po.submit()
    po.approve()
    po.receive([ReceiptLine(1, D(10), D(8), D(2), "bad")])
    [line] = po.return_goods([ReturnLine(1, D(5))])
    assert (line.quantity, line.unit_cost_base) == (D(5), D(20))  # 10 × rate 2
    with pytest.raises(OverReturn):
        po.return_goods([ReturnLine(1, D(4))])  # 8 accepted − 5 returned = 3 left
    assert po.lines[0].returned_quantity == D(5)
