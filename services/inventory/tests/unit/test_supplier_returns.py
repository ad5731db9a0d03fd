"""Supplier returns without I/O: which lines can go, and what the goods cost (issue 8 point 7)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from psi_inventory.domain.model import StockRuleViolation
from psi_inventory.domain.supplier_returns import (
    RefusedLine,
    ReturnLine,
    from_own_layers,
    return_layer_order,
    short_lines,
    supplier_return_cost,
    unknown_skus,
)
from psi_inventory.domain.valuation import Layer


def test_the_po_line_layers_go_first_then_the_rest_oldest_first() -> None:
    layers = [
        Layer(1, D(3), D(10), "PO-1", 1),
        Layer(2, D(2), D(8), "PO-2", 1),
        Layer(3, D(1), D(9), "PO-2", 2),
        Layer(4, D(4), D(8), "PO-2", 1),
        Layer(5, D(5), D(7), None, None),
    ]
    assert [ly.id for ly in return_layer_order(layers, "PO-2", 1)] == [2, 4, 1, 3, 5]
    assert from_own_layers(layers, D(5), "PO-2", 1) == D(5)  # 2 + 4 = 6 held, 5 asked
    assert from_own_layers(layers, D(5), "PO-9", 1) == D(0)


def test_a_return_takes_its_own_receipt_at_its_cost_both_ways() -> None:
    # 3 @ 10.00 received on PO-1 line 1, then 2 @ 8.00 on PO-2 line 1: 5 on hand worth 30 + 16 = 46.
    layers = [Layer(1, D(3), D(10), "PO-1", 1), Layer(2, D(2), D(8), "PO-2", 1)]
    cost = supplier_return_cost(D(5), D(46), layers, D(2), D(8), "PO-2", 1)
    # Return 2 of PO-2 line 1: 2 × 8.00 = 16.00 both ways (oldest-first FIFO would say 2 × 10 = 20.00, the
    # average 46 × 2 / 5 = 18.40). 3 units stay, worth 46 − 16 = 30 (MA) and 3 × 10 = 30 (FIFO).
    assert (cost.moving_average, cost.fifo) == (D(16), D(16))
    assert [(c.layer_id, c.quantity, c.unit_cost) for c in cost.consumed] == [(2, D(2), D(8))]


def test_shortfall_takes_the_oldest_other_layers_at_their_cost() -> None:
    # 2 @ 8.00 (PO-1 line 1) and 4 @ 10.00 (PO-2 line 1); 3 shipped: FIFO took 2 @ 8 and 1 @ 10, the average
    # 56 × 3 / 6 = 28. Left: 3 units, MA 56 − 28 = 28, FIFO one layer of 3 @ 10.
    layers = [Layer(2, D(3), D(10), "PO-2", 1)]
    cost = supplier_return_cost(D(3), D(28), layers, D(2), D(8), "PO-1", 1)
    # PO-1 line 1's layer is gone: FIFO takes 2 @ 10 = 20 from the other layer; MA removes 2 × 8 = 16 all the
    # same (what the debit note credits), leaving 1 unit worth 12.
    assert (cost.moving_average, cost.fifo) == (D(16), D(20))


def test_a_return_that_empties_the_stock_takes_all_the_value() -> None:
    # 2 on hand worth 18.40 (an average of 9.20): returning both takes 18.40, not 2 × 8 = 16, so no value is
    # left on an empty row.
    cost = supplier_return_cost(D(2), D("18.4"), [Layer(1, D(2), D("9.2"), "PO-2", 1)], D(2), D(8), "PO-1", 1)
    assert (cost.moving_average, cost.fifo) == (D("18.4"), D("18.4"))


def test_a_return_never_takes_more_value_than_the_stock_holds() -> None:
    # 5 on hand worth 45 (average 9); returning 4 received at 12.00 would take 48 > 45: it takes the 45.
    cost = supplier_return_cost(D(5), D(45), [Layer(1, D(5), D(12), "PO-1", 1)], D(4), D(12), "PO-1", 1)
    assert cost.moving_average == D(45) and cost.fifo == D(48)


def test_a_return_beyond_on_hand_is_a_rule_violation() -> None:
    with pytest.raises(StockRuleViolation):
        supplier_return_cost(D(1), D(8), [Layer(1, D(1), D(8), "PO-1", 1)], D(2), D(8), "PO-1", 1)


def test_short_lines_hand_the_stock_out_in_line_order() -> None:
    lines = [ReturnLine(1, "A", D(3)), ReturnLine(2, "A", D(4)), ReturnLine(3, "B", D(1)), ReturnLine(4, "A", D(2))]
    # A: 6 available. Line 1 takes 3 (3 left), line 2 wants 4 > 3: short with 3; line 4 takes 2 of the 3.
    # B: nothing available (a reservation holds it all, or no row): short with 0; a negative availability (a
    # stocktake counted less than is reserved) is reported as it is.
    assert short_lines(lines, {"A": D(6), "B": D(0)}) == [
        RefusedLine(2, "A", D(4), D(3)),
        RefusedLine(3, "B", D(1), D(0)),
    ]
    assert short_lines(lines, {"A": D(9), "B": D(-2)}) == [RefusedLine(3, "B", D(1), D(-2))]
    assert short_lines(lines, {"A": D(9), "B": D(1)}) == []


def test_unknown_skus_are_named_with_nothing_available() -> None:
    lines = [ReturnLine(2, "NEW", D(1)), ReturnLine(1, "A", D(1))]
    assert unknown_skus(lines, {"A"}) == [RefusedLine(2, "NEW", D(1), D(0))]
    assert unknown_skus(lines, {"A", "NEW"}) == []
