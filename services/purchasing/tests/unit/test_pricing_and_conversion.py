"""The price choice (domain/pricing.py), the conversion grouping (domain/conversion.py) and the receipt tolerance
setting, on hand-worked examples; no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from psi_chassis.settings import SettingsError
from psi_purchasing.config import load_rules, load_settings
from psi_purchasing.domain.commands import ConvertLine
from psi_purchasing.domain.conversion import (
    OpenLine,
    group_lines,
    order_header,
    quantities_to_order,
)
from psi_purchasing.domain.errors import OverOrdered
from psi_purchasing.domain.pricing import PriceEntry, applies, order_price, planning_choice

D = Decimal
ON = date(2026, 3, 15)


def entry(n: int, price: str, *, supplier: int = 1, min_qty: str = "0", currency: str = "CNY", **extra) -> PriceEntry:
    return PriceEntry(
        n, supplier, "S1", currency, D(price), D(min_qty), extra.pop("valid_from", date(2026, 1, 1)), **extra
    )


def test_an_entry_applies_on_its_valid_days_to_quantities_reaching_its_minimum() -> None:
    ended = entry(1, "10", valid_to=date(2026, 3, 15))
    assert applies(ended, ON, D(5)), "valid_to is included"
    assert not applies(ended, date(2026, 3, 16), D(5))
    assert not applies(entry(2, "10", min_qty="10"), ON, D("9.999999"))
    assert not applies(entry(3, "10", valid_from=date(2026, 3, 16)), ON, D(5))


def test_the_order_price_is_the_highest_quantity_break_then_the_latest_validity() -> None:
    entries = [
        entry(1, "12"),
        entry(2, "10", min_qty="100"),
        entry(3, "9", min_qty="500"),
        entry(4, "11", valid_from=date(2026, 2, 1)),  # newer than entry 1 at the same break
        entry(5, "1.5", currency="USD"),
    ]
    assert order_price(entries, ON, D(150), "CNY").unit_price == D(10)  # reaches 0 and 100, not 500
    assert order_price(entries, ON, D(5), "CNY").unit_price == D(11)  # break 0: entry 4 is the newer
    assert order_price(entries, ON, D(5), "USD").unit_price == D("1.5")
    assert order_price(entries, ON, D(5), "EUR") is None


def test_the_planning_choice_is_the_preferred_entry_else_the_cheapest() -> None:
    cheap, dear = entry(1, "8", supplier=1), entry(2, "9", supplier=2)
    assert planning_choice([dear, cheap], ON, D(1)) == cheap
    preferred = entry(3, "9.5", supplier=3, preferred=True)
    assert planning_choice([dear, cheap, preferred], ON, D(1)) == preferred
    assert planning_choice([entry(4, "8", supplier=4), cheap], ON, D(1)) == cheap, "a tie goes to the oldest"
    assert planning_choice([entry(5, "1", min_qty="10")], ON, D(1)) is None


def line(n: int, requisition: int, warehouse: str, quantity: str, ordered: str = "0", **extra) -> OpenLine:
    return OpenLine(
        n, requisition, f"S{n}", warehouse, D(quantity), D(ordered), extra.get("needed_by"), extra.get("dept", "lab")
    )


def test_lines_group_per_supplier_warehouse_and_currency_in_the_request_order() -> None:
    open_lines = {1: line(1, 1, "WH1", "5"), 2: line(2, 1, "WH2", "5"), 3: line(3, 2, "WH1", "5")}
    request = [ConvertLine(1, 10), ConvertLine(2, 10), ConvertLine(3, 10), ConvertLine(3, 20)]
    currencies = {10: "CNY", 20: "USD"}
    assert group_lines(request, open_lines, currencies, None) == {
        (10, "WH1", "CNY"): [0, 2],  # two requisitions merge into one order
        (10, "WH2", "CNY"): [1],  # one requisition splits across warehouses
        (20, "WH1", "USD"): [3],
    }
    assert group_lines(request, open_lines, currencies, "W9") == {(10, "W9", "CNY"): [0, 1, 2], (20, "W9", "USD"): [3]}


def test_a_quantity_defaults_to_what_is_still_open_after_earlier_lines_of_the_request() -> None:
    open_lines = {1: line(1, 1, "WH1", "10", ordered="4")}  # 10 asked, 4 ordered: 6 open
    quantities, taken = quantities_to_order([ConvertLine(1, 10, D(2)), ConvertLine(1, 20)], open_lines)
    assert (quantities, taken) == ([D(2), D(4)], {1: D(6)})  # 2, then the 6 − 2 = 4 left
    with pytest.raises(OverOrdered):
        quantities_to_order([ConvertLine(1, 10, D("6.000001"))], open_lines)
    with pytest.raises(OverOrdered):
        quantities_to_order([ConvertLine(1, 10), ConvertLine(1, 20)], {1: line(1, 1, "WH1", "3", ordered="3")})


def test_an_order_expects_the_earliest_need_and_keeps_a_shared_department_only() -> None:
    a = line(1, 1, "WH1", "1", needed_by=date(2026, 4, 2))
    b = line(2, 2, "WH1", "1", needed_by=date(2026, 4, 1))
    assert order_header([a, b]) == (date(2026, 4, 1), "lab")
    assert order_header([a, line(3, 3, "WH1", "1", dept="shop")]) == (date(2026, 4, 2), None)
    assert order_header([line(4, 4, "WH1", "1")]) == (None, "lab")


def test_the_receipt_tolerance_is_a_rule_read_at_start() -> None:
    assert load_rules({}).receipt_tolerance == D(0)
    assert load_rules({"PURCHASING_RECEIPT_TOLERANCE": "0.05"}).receipt_tolerance == D("0.05")
    for bad in ("1.5", "-0.1", "0.0000001", "five"):
        with pytest.raises(SettingsError):
            load_settings({"PURCHASING_RECEIPT_TOLERANCE": bad, "PURCHASING_DATABASE_URL": "sqlite://"})
