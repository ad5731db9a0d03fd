"""A shipment against its order's reservation, without I/O (issue 8 point 4)."""

from __future__ import annotations

from decimal import Decimal as D

from psi_inventory.domain.shipments import (
    INSUFFICIENT_STOCK,
    NOT_RESERVED,
    UNKNOWN_WAREHOUSE,
    RejectedLine,
    ShipmentLine,
    SkuStock,
    refuse_shipment,
    unknown_warehouse,
)


def test_a_shipment_covered_by_its_reservation_and_on_the_shelf_goes() -> None:
    lines = [ShipmentLine(1, "A", D(4)), ShipmentLine(2, "A", D(2)), ShipmentLine(3, "B", D(1))]
    stock = {"A": SkuStock(reserved_for_order=D(6), on_hand=D(10), reserved=D(8)), "B": SkuStock(D(1), D(1), D(1))}
    assert refuse_shipment(lines, stock) is None  # A: 4 + 2 = 6 reserved; B: 1 of 1


def test_a_line_beyond_the_reservation_refuses_the_whole_shipment() -> None:
    lines = [ShipmentLine(1, "A", D(4)), ShipmentLine(2, "A", D(3)), ShipmentLine(3, "B", D(1))]
    stock = {"A": SkuStock(D(6), D(10), D(8)), "B": SkuStock(D(0), D(5), D(0))}
    refusal = refuse_shipment(lines, stock)
    assert refusal is not None and refusal.reason_code == NOT_RESERVED
    # A: line 1 takes 4 of the 6 reserved, line 2 wants 3 > 2 left; B: nothing reserved. Available = on hand −
    # reserved: A 10 − 8 = 2, B 5 − 0 = 5.
    assert refusal.lines == (RejectedLine(2, "A", D(3), D(6), D(2)), RejectedLine(3, "B", D(1), D(0), D(5)))
    assert "line 2 ships 3 of A but the order holds only 2 reserved" in refusal.reason


def test_a_reservation_the_shelf_no_longer_covers_is_insufficient_stock() -> None:
    # A stocktake counted 3 while 5 were reserved (4 for this order): the order's 4 are covered but only 3 are
    # on the shelf. Available 3 − 5 = −2.
    refusal = refuse_shipment([ShipmentLine(1, "A", D(4))], {"A": SkuStock(D(4), D(3), D(5))})
    assert refusal is not None and refusal.reason_code == INSUFFICIENT_STOCK
    assert refusal.lines == (RejectedLine(1, "A", D(4), D(4), D(-2)),)
    # Shipping 3 of them is fine: first shipped, first served.
    assert refuse_shipment([ShipmentLine(1, "A", D(3))], {"A": SkuStock(D(4), D(3), D(5))}) is None


def test_not_reserved_wins_over_insufficient_stock() -> None:
    lines = [ShipmentLine(1, "A", D(4)), ShipmentLine(2, "B", D(1))]
    refusal = refuse_shipment(lines, {"A": SkuStock(D(4), D(3), D(5)), "B": SkuStock()})
    assert refusal is not None and refusal.reason_code == NOT_RESERVED
    assert [ln.line_no for ln in refusal.lines] == [1, 2]  # every failing line is named


def test_an_unknown_warehouse_refuses_with_no_lines() -> None:
    refusal = unknown_warehouse("WH-X")
    assert (refusal.reason_code, refusal.lines) == (UNKNOWN_WAREHOUSE, ())
    assert "WH-X" in refusal.reason
