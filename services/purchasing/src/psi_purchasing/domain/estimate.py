"""The estimate a requisition is approved on: its lines priced from the price lists, in the base currency.

Per line the planning price is the preferred supplier's price when the line names one and that supplier has a
price, else any active supplier's: a price-list entry marked preferred wins, else the cheapest. A price in a
foreign currency is converted at the upper bound of its exchange-rate band (domain/fx.py), so the estimate
errs on the high side and lands in a tier at least as strict as the order will.

A line that cannot be priced in the base currency (no price at all, or only prices in a currency without a
band) makes the estimate incomplete: an incomplete estimate is never approved automatically, it needs at least
a purchasing_manager (a higher tier keeps its own role).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO, plain, q6
from psi_purchasing.domain.approval import DEFAULT_TIERS, Tier, tier_for
from psi_purchasing.domain.fx import RateBand, conservative_rate
from psi_purchasing.domain.pricing import preferred_or_all

#: Who approves a requisition whose estimate is incomplete, when its amount alone would be automatic.
INCOMPLETE_ESTIMATE_ROLE = "purchasing_manager"


@dataclass(frozen=True)
class PlanningPrice:
    currency: str
    unit_price: Decimal
    preferred: bool = False


@dataclass(frozen=True)
class EstimateLine:
    line_no: int
    sku: str
    quantity: Decimal
    #: The candidate prices: the preferred supplier's if it has any, else every active supplier's.
    prices: tuple[PlanningPrice, ...]


@dataclass(frozen=True)
class Estimate:
    amount: Decimal
    #: One sentence per line that could not be priced in the base currency (empty: the estimate is complete).
    unpriced: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unpriced


def planning_price(prices: Sequence[PlanningPrice], base: str, bands: Mapping[str, RateBand]) -> Decimal | None:
    """The base-currency unit price to plan with (None: none can be converted).

    Preferred entries win when there are any (the cheapest of them once converted); if none of the entries that
    win can be converted, the line has no price rather than a cheaper, less relevant one.
    """
    converted = []
    for price in preferred_or_all(prices):
        rate = conservative_rate(price.currency, base=base, bands=bands)
        if rate is not None:
            converted.append(price.unit_price * rate)
    return min(converted) if converted else None


def estimate(lines: Sequence[EstimateLine], base: str, bands: Mapping[str, RateBand]) -> Estimate:
    """Σ quantity × planning price, rounded to six decimals once; lines without one are named, not guessed."""
    total = ZERO
    unpriced: list[str] = []
    for line in lines:
        price = planning_price(line.prices, base, bands)
        if price is not None:
            total += line.quantity * price
        elif line.prices:
            currencies = ", ".join(sorted({p.currency for p in preferred_or_all(line.prices)}))
            unpriced.append(
                f"line {line.line_no} ({line.sku}): priced in {currencies}, which has no exchange-rate band"
            )
        else:
            unpriced.append(f"line {line.line_no} ({line.sku}): no supplier price for {plain(line.quantity)}")
    return Estimate(q6(total), tuple(unpriced))


def approver_role(tiers: Sequence[Tier], result: Estimate) -> str | None:
    """The role that must approve (None: automatic). An incomplete estimate is never automatic."""
    role = tier_for(tiers or DEFAULT_TIERS, result.amount).approver_role
    if role is None and not result.complete:
        return INCOMPLETE_ESTIMATE_ROLE
    return role
