"""Moving-average receipt rules, no I/O."""

from decimal import Decimal

import pytest

from psi_inventory.domain.model import Position, StockRuleViolation


def test_receipts_accumulate_quantity_and_value_at_cost() -> None:
    position, first = Position().receive(Decimal("10"), Decimal("2.50"))
    position, second = position.receive(Decimal("5"), Decimal("4.00"))
    assert (first, second) == (Decimal("25.000000"), Decimal("20.000000"))
    assert position.on_hand == Decimal("15") and position.value == Decimal("45.000000")
    # (10 × 2.50 + 5 × 4.00) / 15 = 45 / 15 = 3
    assert position.average_cost == Decimal("3.000000")
    assert position.available == Decimal("15")


def test_move_value_is_rounded_to_six_places_half_even() -> None:
    _, value = Position().receive(Decimal("3"), Decimal("0.3333335"))
    assert value == Decimal("1.000000")  # 1.0000005 → banker's rounding to even


@pytest.mark.parametrize("quantity,cost", [("0", "1"), ("-1", "1"), ("1", "-0.01")])
def test_receipts_must_be_positive_at_non_negative_cost(quantity: str, cost: str) -> None:
    with pytest.raises(StockRuleViolation):
        Position().receive(Decimal(quantity), Decimal(cost))


def test_average_cost_of_empty_position_is_zero() -> None:
    assert Position().average_cost == Decimal(0)
