"""The inventory service's domain errors: plain exceptions, each with its stable problem code.

They subclass the chassis problem errors (``psi_chassis.errors``, no web framework), so the service handlers
raise them and the app renders them as application/problem+json unchanged. One home, so a newcomer finds every
code a client can get back from inventory in one file.
"""

from __future__ import annotations

from typing import Any

from psi_chassis.errors import Conflict, InvalidRequest, NotFound, RuleViolation, add_error


class StockRuleViolation(ValueError):
    """A movement that would break a stock invariant (negative stock, negative cost, ...).

    Not a problem error: the posting rules raise it, and the handler that asked turns it into the answer that
    fits its caller (a 409 naming the line, or a refusal event)."""


# --- the item master and the warehouses -----------------------------------------------------------------------


class ItemNotFound(NotFound):
    default_code = "ITEM_NOT_FOUND"


class SkuTaken(Conflict):
    default_code = "SKU_TAKEN"


class BarcodeTaken(Conflict):
    default_code = "BARCODE_TAKEN"


class InvalidReorderSettings(InvalidRequest):
    """Reorder point, reorder quantity and safety stock that do not fit together; ``errors`` names the fields."""

    default_code = "INVALID_REORDER_SETTINGS"


class WarehouseNotFound(NotFound):
    default_code = "WAREHOUSE_NOT_FOUND"


class WarehouseCodeTaken(Conflict):
    default_code = "WAREHOUSE_CODE_TAKEN"


class SkuNotFound(NotFound):
    """No stock has ever been recorded for the SKU (no balance row in any warehouse)."""

    default_code = "SKU_NOT_FOUND"


# --- documents: adjustments, transfers, stocktakes ----------------------------------------------------------


class DocumentNotFound(NotFound):
    default_code = "DOCUMENT_NOT_FOUND"


class AdjustmentNotFound(DocumentNotFound):
    default_code = "ADJUSTMENT_NOT_FOUND"


class TransferNotFound(DocumentNotFound):
    default_code = "TRANSFER_NOT_FOUND"


class StocktakeNotFound(DocumentNotFound):
    default_code = "STOCKTAKE_NOT_FOUND"


class InsufficientStock(Conflict):
    """Taking the quantity would take more than is available (on hand minus reserved)."""

    default_code = "INSUFFICIENT_STOCK"


def insufficient(exc: StockRuleViolation, field: str, index: int, name: str) -> InsufficientStock:
    """The 409 for a removal the posting rules refused, naming the line (``field.<index>.<name>``)."""
    errors: dict[str, Any] = {}
    add_error(errors, field, str(exc), index, name)
    return InsufficientStock(f"not enough stock: {exc}", errors=errors)


class SameWarehouse(RuleViolation):
    default_code = "SAME_WAREHOUSE"


class NothingToCount(RuleViolation):
    default_code = "NOTHING_TO_COUNT"


# --- reservations ---------------------------------------------------------------------------------------------


class AlreadyReserved(Exception):
    """The reference already holds reservations (a retried request, not a new order).

    Raised by the reservation book for the API's reservations, which answers :class:`ReservationExists`. (A sales
    order confirmed again goes by its revision instead: ``ReservationBook.confirm``.)"""


class ReservationExists(Conflict):
    default_code = "RESERVATION_EXISTS"


class ReservationNotFound(NotFound):
    default_code = "RESERVATION_NOT_FOUND"


class UnknownTarget(RuleViolation):
    """A reservation request naming a warehouse or a SKU inventory does not know (422, ``errors`` names it)."""
