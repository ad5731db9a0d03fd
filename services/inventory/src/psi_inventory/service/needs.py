"""What each consumed event type needs loaded into a posting batch, read from its data before anything is locked.

Gathered for a whole batch first (``posting_batch.needs_of``), so one statement per kind of row loads it all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psi_contracts.events.purchasing import GOODS_RECEIVED_V1, GOODS_RETURN_REQUESTED_V1
from psi_contracts.events.sales import ORDER_CANCELLED_V1, ORDER_CONFIRMED_V1, ORDER_SHIPPED_V1, RETURN_RECEIVED_V1
from psi_inventory.service.posting_batch import Needs

Data = Mapping[str, Any]


def _keys(data: Data, quantity: str = "quantity") -> frozenset[tuple[str, str]]:
    return frozenset((ln["sku"], data["warehouse_code"]) for ln in data["lines"] if ln[quantity] > 0)


def goods_received(data: Data) -> Needs:
    return Needs(keys=_keys(data, "accepted_quantity"), warehouses=frozenset({data["warehouse_code"]}))


def goods_return_requested(data: Data) -> Needs:
    keys = _keys(data)
    return Needs(
        existing=keys,
        warehouses=frozenset({data["warehouse_code"]}),
        layers=True,
        all_layers=keys,
        skus_to_know=frozenset(ln["sku"] for ln in data["lines"]),
    )


def order_confirmed(data: Data) -> Needs:
    return Needs(
        keys=_keys(data), references=frozenset({data["order_id"]}), warehouses=frozenset({data["warehouse_code"]})
    )


def order_cancelled(data: Data) -> Needs:
    return Needs(references=frozenset({data["order_id"]}))


def order_shipped(data: Data) -> Needs:
    taken = tuple(((ln["sku"], data["warehouse_code"]), ln["quantity"]) for ln in data["lines"])
    return Needs(
        existing=_keys(data),
        references=frozenset({data["order_id"]}),
        warehouses=frozenset({data["warehouse_code"]}),
        layers=True,
        taken=taken,
    )


def return_received(data: Data) -> Needs:
    keys = _keys(data)
    return Needs(
        keys=keys,
        warehouses=frozenset({data["warehouse_code"]}),
        last_costs=keys,
        shipped=frozenset((data["order_number"], ln["sku"]) for ln in data["lines"]),
    )


NEEDS_BY_TYPE: dict[str, Callable[[Data], Needs]] = {
    GOODS_RECEIVED_V1: goods_received,
    GOODS_RETURN_REQUESTED_V1: goods_return_requested,
    ORDER_CONFIRMED_V1: order_confirmed,
    ORDER_CANCELLED_V1: order_cancelled,
    ORDER_SHIPPED_V1: order_shipped,
    RETURN_RECEIVED_V1: return_received,
}
