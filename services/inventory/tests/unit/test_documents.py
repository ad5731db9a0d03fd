"""Document rules without I/O: numbers, statuses, line checks, stocktake differences, carried FIFO layers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from psi_inventory.domain.documents import (
    ADJUSTMENT,
    IN_TRANSIT,
    OPEN,
    POSTED,
    RECEIVED,
    STOCKTAKE,
    TRANSFER,
    AdjustmentLine,
    Count,
    CountLine,
    InvalidStatus,
    TransferLine,
    adjustment_line_errors,
    carried_unit_cost,
    count_errors,
    decode_layers,
    document_number,
    encode_layers,
    in_transit,
    layers_value,
    require_status,
    same_warehouse,
    stocktake_adjustments,
    transfer_line_errors,
)

D = Decimal


def test_document_numbers_carry_the_kind_prefix_and_six_digits() -> None:
    assert document_number(ADJUSTMENT, 1) == "ADJ-000001"
    assert document_number(TRANSFER, 42) == "TRF-000042"
    assert document_number(STOCKTAKE, 1234567) == "STK-1234567"


@pytest.mark.parametrize(
    "kind,action,status",
    [
        (TRANSFER, "receive", RECEIVED),
        (STOCKTAKE, "post", POSTED),
        (STOCKTAKE, "post", "cancelled"),
        (STOCKTAKE, "count", POSTED),
        (STOCKTAKE, "cancel", POSTED),
        (STOCKTAKE, "cancel", "cancelled"),
    ],
)
def test_actions_need_the_right_status(kind: str, action: str, status: str) -> None:
    with pytest.raises(InvalidStatus) as caught:
        require_status(kind, action, status, "X-000001")
    assert caught.value.code == "INVALID_STATUS" and caught.value.status == 409


@pytest.mark.parametrize(
    "kind,action,status",
    [
        (TRANSFER, "receive", IN_TRANSIT),
        (STOCKTAKE, "post", OPEN),
        (STOCKTAKE, "count", OPEN),
        (STOCKTAKE, "cancel", OPEN),
    ],
)
def test_allowed_actions_pass(kind: str, action: str, status: str) -> None:
    require_status(kind, action, status, "X-000001")


def test_adjustment_lines_are_checked_field_by_field() -> None:
    errors = adjustment_line_errors(
        [
            AdjustmentLine("A", D("5"), D("2")),  # fine: a gain at a given cost
            AdjustmentLine("B", D("-1"), D("3")),  # a removal cannot name its cost
            AdjustmentLine("A", D("1")),  # A again
            AdjustmentLine("C", D("0")),  # zero is no correction
            AdjustmentLine("D", D("2"), D("-1")),  # negative cost
        ]
    )
    assert set(errors["lines"]) == {"1", "2", "3", "4"}
    assert "unit_cost" in errors["lines"]["1"]
    assert "sku" in errors["lines"]["2"]
    assert "quantity" in errors["lines"]["3"]
    assert "unit_cost" in errors["lines"]["4"]
    assert adjustment_line_errors([AdjustmentLine("A", D("-3")), AdjustmentLine("B", D("4"))]) == {}
    assert "lines" in adjustment_line_errors([])


def test_adjustment_line_value_must_fit_the_columns() -> None:
    # 1 000 000 × 1 000 000 = 10^12, not below the 10^12 bound
    errors = adjustment_line_errors([AdjustmentLine("A", D("1000000"), D("1000000"))])
    assert "unit_cost" in errors["lines"]["0"]


def test_transfer_lines_and_warehouses() -> None:
    assert same_warehouse("WH1", "WH1") and not same_warehouse("WH1", "WH2")
    errors = transfer_line_errors([TransferLine("A", D("1")), TransferLine("A", D("2")), TransferLine("B", D("0"))])
    assert set(errors["lines"]) == {"1", "2"}
    assert "sku" in errors["lines"]["1"] and "quantity" in errors["lines"]["2"]
    assert transfer_line_errors([TransferLine("A", D("1"))]) == {}


def test_layers_round_trip_as_strings() -> None:
    layers = [(D("4.000000"), D("10.000000")), (D("2.5"), D("12.25"))]
    stored = encode_layers(layers)
    assert stored == '[["4.000000","10.000000"],["2.5","12.25"]]'
    assert decode_layers(stored) == layers
    assert decode_layers(None) == [] and decode_layers("") == []
    # 4 × 10 + 2.5 × 12.25 = 40 + 30.625 = 70.625
    assert layers_value(layers) == D("70.625000")
    with pytest.raises(ValueError):
        decode_layers("not json")


def test_carried_unit_cost_is_value_over_quantity_rounded_to_six_places() -> None:
    # 100 / 3 = 33.3333333… → 33.333333
    assert carried_unit_cost(D("100"), D("3")) == D("33.333333")
    with pytest.raises(ValueError):
        carried_unit_cost(D("1"), D("0"))


def test_in_transit_value_is_the_carried_value_only_while_in_transit() -> None:
    # 70 + 30.5 = 100.5 in transit; once received nothing is
    assert in_transit(IN_TRANSIT, [D("70"), D("30.5")]) == D("100.5")
    assert in_transit(RECEIVED, [D("70"), D("30.5")]) == D("0")


def test_stocktake_difference_is_counted_minus_book() -> None:
    assert CountLine(1, "A", D("10"), D("7")).difference == D("-3")  # 7 − 10 = −3 missing
    assert CountLine(2, "B", D("5"), D("8")).difference == D("3")  # 8 − 5 = +3 found
    assert CountLine(3, "C", D("4")).difference is None  # not counted


def test_stocktake_adjusts_only_counted_lines_that_differ_in_sku_order() -> None:
    lines = [
        CountLine(1, "Z", D("10"), D("7")),  # −3
        CountLine(2, "B", D("5"), D("5")),  # counted, no difference
        CountLine(3, "C", D("4")),  # not counted: left alone
        CountLine(4, "A", D("0"), D("2")),  # +2 (never on the books)
    ]
    assert [(line.sku, diff) for line, diff in stocktake_adjustments(lines)] == [("A", D("2")), ("Z", D("-3"))]


def test_counts_must_name_skus_of_the_stocktake_once_and_not_be_negative() -> None:
    errors = count_errors([Count("A", D("1")), Count("X", D("2")), Count("A", D("3")), Count("B", D("-1"))], ["A", "B"])
    assert set(errors["counts"]) == {"1", "2", "3"}
    assert "sku" in errors["counts"]["1"] and "sku" in errors["counts"]["2"]
    assert "counted_quantity" in errors["counts"]["3"]
    assert count_errors([Count("A", D("0"))], ["A"]) == {}
