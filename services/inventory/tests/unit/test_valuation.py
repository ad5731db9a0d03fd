"""Moving average and FIFO worked out by hand (acceptance 3, the pure half). No I/O."""

from decimal import Decimal as D

import pytest

from psi_inventory.domain.model import StockRuleViolation, crossed_below
from psi_inventory.domain.valuation import Layer, fifo_issue, issue_cost, layers_value, moving_average_issue


def test_scripted_receipts_and_issues_match_hand_arithmetic() -> None:
    # Receipts: 10 @ 2.00, then 10 @ 4.00 → on hand 20, MA value 20 + 40 = 60, average 3.00.
    layers = [Layer(1, D(10), D("2.00")), Layer(2, D(10), D("4.00"))]
    cost = issue_cost(D(20), D(60), layers, D(15))
    # MA: 15 × 60 / 20 = 45.00. FIFO: 10 × 2.00 (all of layer 1) + 5 × 4.00 (from layer 2) = 40.00.
    assert cost.moving_average == D("45.000000")
    assert cost.fifo == D("40.000000")
    assert [(c.layer_id, c.quantity) for c in cost.consumed] == [(1, D(10)), (2, D(5))]
    # Left: 5 units; MA value 60 − 45 = 15.00 (3.00 each); FIFO layer 2 holds 5 @ 4.00 = 20.00.
    # Receipt 5 @ 6.00 → MA value 15 + 30 = 45 on 10 units (4.50 each); FIFO 20 + 30 = 50.
    after = [Layer(2, D(5), D("4.00")), Layer(3, D(5), D("6.00"))]
    assert layers_value((ly.remaining, ly.unit_cost) for ly in after) == D("50.000000")
    # Issue 10 (everything): MA takes all that is left, 45.00; FIFO 5 × 4 + 5 × 6 = 50.00.
    final = issue_cost(D(10), D(45), after, D(10))
    assert (final.moving_average, final.fifo) == (D(45), D("50.000000"))


def test_moving_average_never_leaves_a_rounding_crumb() -> None:
    # 3 units worth 10.00: 1 unit costs 3.333333, two more 3.333333 each would leave 0.000001 behind,
    # so the issue that empties the stock takes exactly what is left.
    first = moving_average_issue(D(3), D(10), D(1))
    assert first == D("3.333333")
    assert moving_average_issue(D(2), D(10) - first, D(2)) == D("6.666667")


@pytest.mark.parametrize("quantity", [D(0), D(-1), D(21)])
def test_issues_must_be_positive_and_covered(quantity: D) -> None:
    with pytest.raises(StockRuleViolation):
        issue_cost(D(20), D(60), [Layer(1, D(20), D(3))], quantity)


def test_fifo_refuses_more_than_its_layers_hold() -> None:
    with pytest.raises(StockRuleViolation):
        fifo_issue([Layer(1, D(2), D(1))], D(3))


def test_low_stock_is_announced_once_per_crossing() -> None:
    assert crossed_below(D(10), was_below=False, available=D(9)) == (True, True)
    assert crossed_below(D(10), was_below=True, available=D(5)) == (True, False)  # still below: silent
    assert crossed_below(D(10), was_below=True, available=D(10)) == (False, False)  # recovered
    assert crossed_below(D(10), was_below=False, available=D(3)) == (True, True)  # crossed again
    assert crossed_below(None, was_below=False, available=D(-1)) == (False, False)  # no reorder point
