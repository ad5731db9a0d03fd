"""Requisition rules without a database: status transitions, the approval tier of an amount, and the
replenishment quantity rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from psi_purchasing.domain.approval import Tier
from psi_purchasing.domain.errors import InvalidStatus
from psi_purchasing.domain.replenishment import replenish_quantity
from psi_purchasing.service.requisitions import (
    check_transition,
    replenish_key,
    required_role,
    requisition_number,
)

D = Decimal


@pytest.mark.parametrize(
    "status,action,target",
    [
        ("draft", "edit", "draft"),
        ("draft", "submit", None),  # decided by the approval tier
        ("submitted", "approve", "approved"),
        ("submitted", "reject", "rejected"),
        ("draft", "cancel", "cancelled"),
        ("submitted", "cancel", "cancelled"),
    ],
)
def test_allowed_transitions(status: str, action: str, target: str | None) -> None:
    assert check_transition(status, action) == target


@pytest.mark.parametrize(
    "status,action",
    [
        ("submitted", "edit"),
        ("approved", "edit"),
        ("submitted", "submit"),
        ("approved", "submit"),
        ("draft", "approve"),
        ("approved", "approve"),
        ("rejected", "approve"),
        ("draft", "reject"),
        ("cancelled", "reject"),
        ("approved", "cancel"),
        ("rejected", "cancel"),
        ("converted", "cancel"),
        ("cancelled", "cancel"),
    ],
)
def test_refused_transitions(status: str, action: str) -> None:
    with pytest.raises(InvalidStatus) as caught:
        check_transition(status, action)
    assert caught.value.code == "INVALID_STATUS" and status in caught.value.detail


@pytest.mark.parametrize(
    "amount,role",
    [
        ("0", None),
        ("5000", None),  # the bound is inclusive
        ("5000.000001", "purchasing_manager"),
        ("50000", "purchasing_manager"),
        ("50000.01", "admin"),
        ("9999999", "admin"),
    ],
)
def test_default_tiers(amount: str, role: str | None) -> None:
    assert required_role([], D(amount)) == role


def test_configured_tiers_win_over_the_default() -> None:
    tiers = [Tier(None, "admin"), Tier(D(100), None), Tier(D(1000), "purchaser")]  # in any order
    assert required_role(tiers, D(100)) is None
    assert required_role(tiers, D(101)) == "purchaser"
    assert required_role(tiers, D(1001)) == "admin"


@pytest.mark.parametrize(
    "reorder_quantity,reorder_point,available,safety_stock,expected",
    [
        ("200", "50", "40", "20", "200"),  # the item's reorder quantity when it has one
        ("0", "50", "40", "20", "30"),  # none: 50 − 40 + 20 = 30
        (None, "50", "40", "20", "30"),  # absent is the same as 0
        ("0", "50", "-5", "0", "55"),  # oversold: 50 − (−5) + 0 = 55
        ("0", "10", "9.5", "0", "1"),  # 10 − 9.5 + 0 = 0.5, but at least 1
        ("0", "0", "0", "0", "1"),  # nothing to go by: at least 1
        ("0", "10", "2.25", "1.5", "9.25"),  # 10 − 2.25 + 1.5 = 9.25
    ],
)
def test_replenish_quantity(
    reorder_quantity: str | None, reorder_point: str, available: str, safety_stock: str, expected: str
) -> None:
    got = replenish_quantity(
        None if reorder_quantity is None else D(reorder_quantity),
        D(reorder_point),
        D(available),
        D(safety_stock),
    )
    assert got == D(expected)


def test_numbers_and_keys() -> None:
    assert requisition_number(7) == "REQ-000007"
    assert replenish_key("SKU-1", "WH1") == "SKU-1|WH1"
