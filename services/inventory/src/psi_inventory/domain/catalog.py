"""Pure rules of the item master and the warehouse list: codes, barcodes and reorder settings.

No database and no framework: the API schemas and the handlers in ``service/catalog.py`` call these, and the
unit tests exercise them directly. The commands are in ``domain/commands.py``, the errors in ``domain/errors.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO
from psi_chassis.errors import add_error
from psi_inventory.domain.errors import (  # re-exported: callers and tests name them from here
    BarcodeTaken,
    InvalidReorderSettings,
    ItemNotFound,
    SkuTaken,
    WarehouseCodeTaken,
    WarehouseNotFound,
)
from psi_inventory.domain.valuation import METHODS, MOVING_AVERAGE

#: How a warehouse's books value its stock; both values are always kept (see ``domain/valuation.py``).
VALUATION_METHODS = METHODS
DEFAULT_VALUATION_METHOD = MOVING_AVERAGE

# --- codes ---------------------------------------------------------------------------------------------------

SKU_MAX = 64
#: SKUs are case-sensitive and kept exactly as given. No ``/``: a SKU is one segment of ``/items/<sku>`` (and of
#: the gateway's route table), and no spaces or other characters that would need escaping in a URL.
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SKU_RULE = "1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit"

WAREHOUSE_CODE_MAX = 32
WAREHOUSE_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{0,31}$"
WAREHOUSE_CODE_RULE = "1-32 characters of A-Z, 0-9, '_' or '-', starting with a letter or digit"

_SKU_RE = re.compile(SKU_PATTERN)
_WAREHOUSE_CODE_RE = re.compile(WAREHOUSE_CODE_PATTERN)


def is_valid_sku(value: str) -> bool:
    return isinstance(value, str) and _SKU_RE.fullmatch(value) is not None


def is_valid_warehouse_code(value: str) -> bool:
    return isinstance(value, str) and _WAREHOUSE_CODE_RE.fullmatch(value) is not None


# --- barcodes (GTIN) -----------------------------------------------------------------------------------------

#: GTIN-8 (EAN-8), GTIN-12 (UPC-A), GTIN-13 (EAN-13) and GTIN-14. Other lengths are not GTINs.
GTIN_LENGTHS = (8, 12, 13, 14)
_DIGITS = re.compile(r"^[0-9]+$")


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit of ``body`` (every digit but the last): weights 3, 1, 3, ... from the right."""
    if not _DIGITS.fullmatch(body):
        raise ValueError(f"a GTIN body is digits only, got {body!r}")
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def barcode_problem(barcode: str) -> str | None:
    """Why ``barcode`` is not a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14), or ``None`` when it is one."""
    if not isinstance(barcode, str) or not _DIGITS.fullmatch(barcode):
        return "Must be digits only (a GTIN: EAN-8, UPC-A, EAN-13 or GTIN-14)."
    if len(barcode) not in GTIN_LENGTHS:
        return f"Must be 8, 12, 13 or 14 digits long (a GTIN), got {len(barcode)}."
    expected = gtin_check_digit(barcode[:-1])
    if int(barcode[-1]) != expected:
        return f"Check digit is wrong: {barcode[-1]} given, {expected} expected."
    return None


def is_valid_gtin(barcode: str) -> bool:
    return barcode_problem(barcode) is None


def gtin_forms(barcode: str) -> tuple[str, ...]:
    """Every spelling of the same GTIN: ``036000291452`` (UPC-A), ``0036000291452`` and ``00036000291452``.

    GS1 numbers are unique in their 14-digit, zero-padded form, so two barcodes that pad to the same 14 digits
    are one product code. The item master refuses a barcode if any of its forms is already taken.
    """
    if barcode_problem(barcode) is not None:
        return (barcode,)
    full = barcode.rjust(14, "0")
    return tuple(full[14 - length :] for length in GTIN_LENGTHS if full[: 14 - length].strip("0") == "")


# --- reorder settings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReorderSettings:
    """When to reorder and how much: the item-level thresholds on *available* stock (in every warehouse).

    ``reorder_point`` ``None`` means the item is never "below" (no low-stock events); ``reorder_quantity``
    ``None`` means no suggested order quantity.
    """

    reorder_point: Decimal | None = None
    reorder_quantity: Decimal | None = None
    safety_stock: Decimal = ZERO


def reorder_problems(settings: ReorderSettings) -> dict[str, list[str]]:
    """Field errors of a whole set of reorder settings (empty when they are consistent).

    * every figure is >= 0, and a reorder quantity, when set, is > 0 (ordering nothing is not a suggestion);
    * a reorder point needs a reorder quantity (a low-stock event must say how much to order);
    * the safety stock is not above the reorder point: the reorder point is the safety stock plus the demand
      over the lead time, so stock would be below safety before anyone was told to reorder.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        add_error(errors, name, message)

    point, quantity, safety = settings.reorder_point, settings.reorder_quantity, settings.safety_stock
    if point is not None and point < ZERO:
        add("reorder_point", "Must be greater than or equal to 0.")
    if quantity is not None and quantity <= ZERO:
        add("reorder_quantity", "Must be greater than 0.")
    if safety is None or safety < ZERO:
        add("safety_stock", "Must be greater than or equal to 0.")
    if errors:
        return errors
    if point is not None and quantity is None:
        add("reorder_quantity", "Required when reorder_point is set.")
    if point is not None and safety > point:
        add("safety_stock", f"Must not exceed reorder_point ({point}).")
    return errors


# --- item changes --------------------------------------------------------------------------------------------

#: What PATCH /items/<sku> may change.
ITEM_MUTABLE_FIELDS = (
    "name",
    "unit_of_measure",
    "category",
    "barcode",
    "reorder_point",
    "reorder_quantity",
    "safety_stock",
    "active",
)
REORDER_FIELDS = ("reorder_point", "reorder_quantity", "safety_stock")
#: What PATCH /warehouses/<code> may change.
WAREHOUSE_MUTABLE_FIELDS = ("name", "active", "valuation_method")


def changed_fields(
    current: Mapping[str, Any], requested: Mapping[str, Any], allowed: tuple[str, ...]
) -> dict[str, Any]:
    """The requested values that differ from the current record (a PATCH that changes nothing is a no-op).

    Decimals compare by value (``"5"`` equals ``"5.000000"``). Raises ``KeyError`` for a field not in
    ``allowed``, which the API schemas already refuse.
    """
    changes: dict[str, Any] = {}
    for name, value in requested.items():
        if name not in allowed:
            raise KeyError(name)
        if current.get(name) != value:
            changes[name] = value
    return changes


def item_version_after(version: int, changes: Mapping[str, Any]) -> int:
    """An item's version is 1 on creation and one higher with every change that changes something."""
    return version + 1 if changes else version


#: A warehouse's version follows the same rule as an item's (its events carry it for replicas).
warehouse_version_after = item_version_after

#: Name length of a warehouse (the column is 200 characters).
WAREHOUSE_NAME_MAX = 200


def unlisted_warehouse_name(code: str, document_ref: str) -> str:
    """The name of a warehouse inventory had to create because a fact (a goods receipt, a customer return)
    named a code it did not list: it says so, so a clerk finds it and decides what to do with it."""
    return f"{code} (unlisted: created by {document_ref}; check and rename or activate)"[:WAREHOUSE_NAME_MAX]


def reorder_point_changed(changes: Mapping[str, Any]) -> bool:
    """Whether the low-stock flags of the item's balance rows must be evaluated again."""
    return "reorder_point" in changes


def check_reorder_settings(settings: ReorderSettings) -> None:
    """Raise :class:`InvalidReorderSettings` (422) unless the settings are consistent."""
    errors = reorder_problems(settings)
    if errors:
        raise InvalidReorderSettings("The reorder settings are not consistent; see errors.", errors=errors)


__all__ = [
    "BarcodeTaken",
    "InvalidReorderSettings",
    "ItemNotFound",
    "SkuTaken",
    "WarehouseCodeTaken",
    "WarehouseNotFound",
]
