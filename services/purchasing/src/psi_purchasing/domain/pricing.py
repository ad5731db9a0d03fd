"""Which price-list entry a price comes from (价格表): one rule for orders, scorecards and planning.

An entry *applies* to a purchase of ``quantity`` on day ``on`` when it is valid that day (``valid_from`` <= on
<= ``valid_to``, an open ``valid_to`` never ends) and the quantity reaches its ``min_quantity``. Of the
entries that apply, two questions are asked:

* **the order price** (a line without a unit price, and the scorecard's list price): the supplier's entry in
  the order currency; the highest quantity break wins, then the latest ``valid_from``, then the latest entry;
* **the planning choice** (which supplier replenishment proposes): among active suppliers' entries, the ones
  marked preferred compete when there are any, else all; the cheapest wins, then the oldest entry. The
  requisition estimate (domain/estimate.py) lets the same entries compete, cheapest once converted to the
  base currency.

The adapters fetch the candidate entries (adapters/prices.py); the choice is made here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from psi_chassis.decimals import plain


class PricedEntry(Protocol):
    """What the rule reads of a price-list entry (a stored row or a :class:`PriceEntry`)."""

    @property
    def id(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def min_quantity(self) -> Decimal: ...
    @property
    def valid_from(self) -> date: ...
    @property
    def valid_to(self) -> date | None: ...


class Preferable(Protocol):
    @property
    def preferred(self) -> bool: ...


E = TypeVar("E", bound=PricedEntry)
P = TypeVar("P", bound=Preferable)


@dataclass(frozen=True)
class PriceEntry:
    """One entry of a supplier's price list."""

    id: int
    supplier_id: int
    sku: str
    currency: str
    unit_price: Decimal
    min_quantity: Decimal
    valid_from: date
    valid_to: date | None = None
    preferred: bool = False


def applies(entry: PricedEntry, on: date, quantity: Decimal) -> bool:
    """Valid on ``on`` (both bounds included) and ``quantity`` reaches its minimum."""
    return (
        entry.valid_from <= on and (entry.valid_to is None or entry.valid_to >= on) and entry.min_quantity <= quantity
    )


def order_price(entries: Iterable[E], on: date, quantity: Decimal, currency: str) -> E | None:
    """The entry an order line is priced at: of one supplier's entries for one SKU that apply in ``currency``,
    the highest ``min_quantity``, then the latest ``valid_from``, then the latest id. None when none applies."""
    fitting = [e for e in entries if e.currency == currency and applies(e, on, quantity)]
    if not fitting:
        return None
    return max(fitting, key=lambda e: (e.min_quantity, e.valid_from, e.id))


def preferred_or_all(entries: Sequence[P]) -> list[P]:
    """The entries that compete when planning: those marked preferred when there are any, else all of them
    (the requisition estimate, domain/estimate.py, then takes the cheapest once converted)."""
    return [e for e in entries if e.preferred] or list(entries)


def planning_choice(entries: Iterable[PriceEntry], on: date, quantity: Decimal) -> PriceEntry | None:
    """The entry to plan with among entries of active suppliers: the cheapest of :func:`preferred_or_all`,
    then the oldest. None when none applies."""
    fitting = [e for e in entries if applies(e, on, quantity)]
    if not fitting:
        return None
    return min(preferred_or_all(fitting), key=lambda e: (e.unit_price, e.id))


def no_price_message(currency: str, sku: str, on: date, quantity: Decimal) -> str:
    """Why a line without a unit price could not take one from the price list (422 NO_PRICE)."""
    return (
        f"no unit_price given and the supplier has no {currency} price for {sku} valid on "
        f"{on.isoformat()} for a quantity of {plain(quantity)}"
    )
