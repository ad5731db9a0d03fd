"""The ledger against its projections: which figures of a balance row differ from what the ledger says. Pure.

The ledger (``stock_moves``) is the truth. A balance row's on hand, value and FIFO value are the sums of its
moves, its reserved is what the active reservations still hold, and its open FIFO layers add up to its on hand.
A key missing on one side counts as zeros there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO

Key = tuple[str, str]
"""(sku, warehouse code)."""

#: The figure that is never corrected automatically (which receipt is short is a judgement call).
FIFO_LAYERS = "fifo_layers_remaining"


@dataclass(frozen=True)
class Difference:
    sku: str
    warehouse_code: str
    field: str
    stored: Decimal
    from_ledger: Decimal


def differences(
    ledger: Mapping[Key, tuple[Decimal, ...]],
    held: Mapping[Key, tuple[Decimal, ...]],
    layers: Mapping[Key, tuple[Decimal, ...]],
    stored: Mapping[Key, Any],
) -> list[Difference]:
    """Every figure that differs, by (sku, warehouse): ``ledger`` holds (quantity, value, FIFO value) sums,
    ``held`` the reserved sums, ``layers`` the FIFO layers' remaining sums, ``stored`` the balance rows."""
    found: list[Difference] = []
    for key in sorted(set(ledger) | set(stored) | set(held)):
        on_hand, value, value_fifo = ledger.get(key, (ZERO, ZERO, ZERO))
        row = stored.get(key)
        expected = {
            "on_hand": on_hand,
            "value": value,
            "value_fifo": value_fifo,
            "reserved": held.get(key, (ZERO,))[0],
            FIFO_LAYERS: on_hand,
        }
        actual = {
            "on_hand": row.on_hand if row else ZERO,
            "value": row.value if row else ZERO,
            "value_fifo": row.value_fifo if row else ZERO,
            "reserved": row.reserved if row else ZERO,
            FIFO_LAYERS: layers.get(key, (ZERO,))[0],
        }
        for field, want in expected.items():
            if actual[field] != want:
                found.append(Difference(key[0], key[1], field, actual[field], want))
    return found
