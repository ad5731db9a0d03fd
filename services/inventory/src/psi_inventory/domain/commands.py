"""What a caller asks inventory to do: frozen dataclasses, checked field by field by the API schemas.

The service handlers (``service/``) take these; the consumers' events are facts and need no command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from psi_chassis.decimals import ZERO
from psi_inventory.domain.catalog import DEFAULT_VALUATION_METHOD, ReorderSettings

# --- the item master and the warehouses -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewItem:
    """POST /items, validated field by field by the API schema."""

    sku: str
    name: str
    unit_of_measure: str = "pcs"
    category: str | None = None
    barcode: str | None = None
    reorder_point: Decimal | None = None
    reorder_quantity: Decimal | None = None
    safety_stock: Decimal = ZERO

    @property
    def reorder(self) -> ReorderSettings:
        return ReorderSettings(self.reorder_point, self.reorder_quantity, self.safety_stock)


@dataclass(frozen=True)
class NewWarehouse:
    code: str
    name: str
    valuation_method: str = DEFAULT_VALUATION_METHOD


# --- adjustments ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdjustmentLine:
    """One requested correction: positive adds stock (at ``unit_cost``, or the current cost), negative removes."""

    sku: str
    quantity: Decimal
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class PostAdjustment:
    warehouse_code: str
    reason_code: str
    lines: tuple[AdjustmentLine, ...]
    occurred_at: datetime | None = None
    note: str | None = None


# --- transfers ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferLine:
    sku: str
    quantity: Decimal


@dataclass(frozen=True)
class ShipTransfer:
    from_warehouse: str
    to_warehouse: str
    lines: tuple[TransferLine, ...]
    note: str | None = None
    shipped_at: datetime | None = None  # business time; None: now


# --- stocktakes -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenStocktake:
    warehouse_code: str
    skus: tuple[str, ...] | None = None  # None: every balance row of the warehouse worth counting
    note: str | None = None


@dataclass(frozen=True)
class Count:
    """A count entered for one SKU; ``counted_at`` is when it was counted (None: when it is entered)."""

    sku: str
    counted_quantity: Decimal
    counted_at: datetime | None = None


# --- reservations ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReservationLine:
    line_no: int
    sku: str
    quantity: Decimal


@dataclass(frozen=True)
class ReserveStock:
    """POST /reservations: every line or none, for a caller that sells directly (a shop, a POS)."""

    reference: str
    warehouse_code: str
    lines: tuple[ReservationLine, ...]
