"""Pure rules of the item master and warehouses: codes, GTIN barcodes, reorder settings, item changes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from psi_inventory.domain.catalog import (
    ITEM_MUTABLE_FIELDS,
    InvalidReorderSettings,
    ReorderSettings,
    barcode_problem,
    changed_fields,
    check_reorder_settings,
    gtin_check_digit,
    gtin_forms,
    is_valid_gtin,
    is_valid_sku,
    is_valid_warehouse_code,
    item_version_after,
    reorder_point_changed,
    reorder_problems,
)

D = Decimal


@pytest.mark.parametrize("sku", ["A", "WIDGET-RED-M", "bolt_m8.50", "9", "a" * 64, "Ab-1.2_3"])
def test_valid_skus(sku: str) -> None:
    assert is_valid_sku(sku)


@pytest.mark.parametrize(
    "sku",
    ["", "-A", ".A", "_A", "A B", "A/B", "A\n", "a" * 65, "ÄRM", "A;B", " A", "A%2F"],
)
def test_invalid_skus(sku: str) -> None:
    assert not is_valid_sku(sku)


@pytest.mark.parametrize("code", ["WH1", "MAIN", "A", "WH-SH_01", "1" * 32])
def test_valid_warehouse_codes(code: str) -> None:
    assert is_valid_warehouse_code(code)


@pytest.mark.parametrize("code", ["", "wh1", "-WH", "WH 1", "WH.1", "WH/1", "W" * 33, "WH1\n"])
def test_invalid_warehouse_codes(code: str) -> None:
    assert not is_valid_warehouse_code(code)


@pytest.mark.parametrize(
    "barcode",
    [
        "96385074",  # EAN-8
        "036000291452",  # UPC-A
        "4006381333931",  # EAN-13
        "6901234567892",  # EAN-13 (the golden example)
        "10012345678902",  # GTIN-14
    ],
)
def test_valid_gtins(barcode: str) -> None:
    assert barcode_problem(barcode) is None
    assert is_valid_gtin(barcode)


def test_check_digit_follows_gs1_weights() -> None:
    assert gtin_check_digit("400638133393") == 1
    assert gtin_check_digit("03600029145") == 2
    assert gtin_check_digit("9638507") == 4
    assert gtin_check_digit("000000000000") == 0
    with pytest.raises(ValueError):
        gtin_check_digit("12a")


@pytest.mark.parametrize(
    ("barcode", "reason"),
    [
        ("4006381333932", "Check digit"),  # last digit off by one
        ("4006381333913", "Check digit"),  # two digits swapped
        ("123456789", "8, 12, 13 or 14"),
        ("1234567", "8, 12, 13 or 14"),
        ("123456789012345", "8, 12, 13 or 14"),
        ("40063813339X1", "digits only"),
        ("", "digits only"),
        (" 4006381333931", "digits only"),
        ("4006381333931\n", "digits only"),
        ("٤٠٠٦٣٨١٣٣٣٩٣١", "digits only"),  # Arabic-Indic digits are not GTIN digits
    ],
)
def test_invalid_gtins(barcode: str, reason: str) -> None:
    problem = barcode_problem(barcode)
    assert problem is not None and reason in problem
    assert not is_valid_gtin(barcode)


def test_gtin_forms_are_every_zero_padded_spelling() -> None:
    upc = ("036000291452", "0036000291452", "00036000291452")
    assert gtin_forms("036000291452") == upc
    assert gtin_forms("00036000291452") == upc
    assert gtin_forms("4006381333931") == ("4006381333931", "04006381333931")
    assert gtin_forms("10012345678902") == ("10012345678902",)
    assert "00000096385074" in gtin_forms("96385074")
    assert gtin_forms("junk") == ("junk",)


def test_reorder_settings_that_fit() -> None:
    assert reorder_problems(ReorderSettings()) == {}
    assert reorder_problems(ReorderSettings(D("50"), D("200"), D("20"))) == {}
    assert reorder_problems(ReorderSettings(D("20"), D("1"), D("20"))) == {}  # safety stock may equal the point
    assert reorder_problems(ReorderSettings(None, D("10"), D("5"))) == {}  # a quantity alone is allowed
    assert reorder_problems(ReorderSettings(D("0"), D("1"), D("0"))) == {}
    check_reorder_settings(ReorderSettings(D("5"), D("10")))


def test_reorder_point_needs_a_reorder_quantity() -> None:
    assert reorder_problems(ReorderSettings(D("10"), None)) == {
        "reorder_quantity": ["Required when reorder_point is set."]
    }


def test_safety_stock_may_not_exceed_the_reorder_point() -> None:
    errors = reorder_problems(ReorderSettings(D("10"), D("50"), D("11")))
    assert list(errors) == ["safety_stock"]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (ReorderSettings(D("-1"), D("5")), "reorder_point"),
        (ReorderSettings(D("5"), D("0")), "reorder_quantity"),
        (ReorderSettings(D("5"), D("-5")), "reorder_quantity"),
        (ReorderSettings(None, None, D("-0.000001")), "safety_stock"),
    ],
)
def test_negative_figures_are_refused(settings: ReorderSettings, field: str) -> None:
    assert field in reorder_problems(settings)
    with pytest.raises(InvalidReorderSettings) as raised:
        check_reorder_settings(settings)
    assert raised.value.code == "INVALID_REORDER_SETTINGS"
    assert raised.value.status == 422
    assert raised.value.errors is not None and field in raised.value.errors


def test_changed_fields_keeps_only_real_changes() -> None:
    current = {"name": "Widget", "reorder_point": D("50.000000"), "barcode": None, "active": True}
    requested = {"name": "Widget", "reorder_point": D("50"), "barcode": "96385074", "active": True}
    assert changed_fields(current, requested, ITEM_MUTABLE_FIELDS) == {"barcode": "96385074"}
    assert changed_fields(current, {"reorder_point": None}, ITEM_MUTABLE_FIELDS) == {"reorder_point": None}
    with pytest.raises(KeyError):
        changed_fields(current, {"sku": "OTHER"}, ITEM_MUTABLE_FIELDS)


def test_version_moves_only_with_a_change() -> None:
    assert item_version_after(1, {"name": "New"}) == 2
    assert item_version_after(7, {}) == 7


def test_only_a_new_reorder_point_re_evaluates_low_stock() -> None:
    assert reorder_point_changed({"reorder_point": D("5")})
    assert reorder_point_changed({"reorder_point": None})
    assert not reorder_point_changed({"reorder_quantity": D("5"), "safety_stock": D("1")})
