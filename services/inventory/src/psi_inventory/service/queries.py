"""The read queries of the API, whose home is ``adapters/queries.py``; re-exported here, where the benchmarks
(``bench/balance_lookup.py``) and the tests import them."""

from psi_inventory.adapters.queries import (
    balances_of_sku,
    below_reorder_point,
    list_balances,
    list_reservations,
    reservation_lines,
    stock_as_of,
    stock_card,
    stock_value,
)

__all__ = [
    "balances_of_sku",
    "below_reorder_point",
    "list_balances",
    "list_reservations",
    "reservation_lines",
    "stock_as_of",
    "stock_card",
    "stock_value",
]
