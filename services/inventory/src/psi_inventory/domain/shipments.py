"""A shipment (sales.OrderShipped.v1) against the order's reservation: issued whole, or refused whole. Pure.

Stock leaves for an order only from what that order reserved: every line must be covered by the order's open
reservation of its SKU in the shipment's warehouse (``NOT_RESERVED`` otherwise), and the stock must be on the
shelf (``INSUFFICIENT_STOCK``: a stocktake may have counted less than is reserved). When any line fails,
nothing moves and inventory answers ``inventory.ShipmentRejected.v1``, naming every line that failed; sales
re-reserves or corrects the shipment, so the two services never disagree about what left the warehouse. A
shipment from a warehouse inventory does not list is refused as ``UNKNOWN_WAREHOUSE``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO
from psi_contracts.events.inventory import INSUFFICIENT_STOCK, NOT_RESERVED
from psi_contracts.events.inventory import UNKNOWN_WAREHOUSE as UNKNOWN_WAREHOUSE  # the refusal codes: contracts


@dataclass(frozen=True)
class ShipmentLine:
    line_no: int
    sku: str
    quantity: Decimal


@dataclass(frozen=True)
class SkuStock:
    """One SKU in the shipment's warehouse: what the order holds reserved, and the balance row."""

    reserved_for_order: Decimal = ZERO
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class RejectedLine:
    line_no: int
    sku: str
    requested_quantity: Decimal
    reserved_quantity: Decimal
    available_quantity: Decimal


@dataclass(frozen=True)
class ShipmentRefusal:
    reason_code: str
    reason: str
    lines: tuple[RejectedLine, ...] = ()


def refuse_shipment(lines: Sequence[ShipmentLine], stock: Mapping[str, SkuStock]) -> ShipmentRefusal | None:
    """Why the shipment cannot be issued, or None when every line is covered and on the shelf.

    The order's reservation and the stock on hand of a SKU are handed out to its lines in line order.
    ``NOT_RESERVED`` wins over ``INSUFFICIENT_STOCK`` when lines fail for both reasons (sales must re-reserve
    first); the refusal lists every failing line.
    """
    reservation_left = {sku: s.reserved_for_order for sku, s in stock.items()}
    shelf_left = {sku: s.on_hand for sku, s in stock.items()}
    failed: list[tuple[str, RejectedLine, str]] = []
    for line in sorted(lines, key=lambda ln: ln.line_no):
        held = stock.get(line.sku, SkuStock())
        rejected = RejectedLine(line.line_no, line.sku, line.quantity, held.reserved_for_order, held.available)
        covered, on_shelf = reservation_left.get(line.sku, ZERO), shelf_left.get(line.sku, ZERO)
        if line.quantity > covered:
            failed.append(
                (
                    NOT_RESERVED,
                    rejected,
                    f"line {line.line_no} ships {line.quantity} of {line.sku} but the order holds only"
                    f" {covered} reserved for it",
                )
            )
        elif line.quantity > on_shelf:
            failed.append(
                (
                    INSUFFICIENT_STOCK,
                    rejected,
                    f"line {line.line_no} ships {line.quantity} of {line.sku} but only {on_shelf} is on hand",
                )
            )
        else:
            reservation_left[line.sku] = covered - line.quantity
            shelf_left[line.sku] = on_shelf - line.quantity
    if not failed:
        return None
    code = NOT_RESERVED if any(c == NOT_RESERVED for c, _, _ in failed) else INSUFFICIENT_STOCK
    reason = "; ".join(text for c, _, text in failed if c == code)
    return ShipmentRefusal(code, reason, tuple(line for _, line, _ in failed))


def unknown_warehouse(warehouse: str) -> ShipmentRefusal:
    return ShipmentRefusal(UNKNOWN_WAREHOUSE, f"warehouse {warehouse} is not in inventory's list of warehouses")
