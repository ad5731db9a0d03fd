"""Pricing a sales line (销售折扣规则): one pure function, and the reasons behind every figure it gives.

The price of a line is found in four steps, each recorded on the line so a clerk can see why it costs what it
costs:

1. **List price**: the price-list line for the SKU in the order's currency, valid on the pricing date, whose
   minimum quantity the line reaches. A customer's own list beats its class's list, which beats a general list;
   among those, the highest quantity break reached wins (then the newest list, then the lowest price). No such
   line: the SKU has no price for this customer, and the line is refused.
2. **Class discount**: the best discount rule for the customer's class valid on the date.
3. **Item discount**: the best single rule for the item, either a quantity break (the line reaches its minimum
   quantity) or a dated promotion, on the SKU or on its category. Rules of one kind do not stack with each
   other: the highest percentage wins (a SKU rule before a category rule at the same percentage).
4. **Manual discount**: what the salesperson typed, in percent. Above the cap of the ``sales`` role it needs a
   ``sales_manager`` (the caller decides; this function only says so).

Discounts apply one after the other: ``net = list x (1 - class) x (1 - item) x (1 - manual)``, rounded to six
decimals (half to even) once, at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from psi_chassis.decimals import HUNDRED, ONE, ZERO, q6


class Scope(StrEnum):
    """Whom a price list is for. The order of the members is their priority, lowest first."""

    GENERAL = "general"
    CLASS = "class"
    CUSTOMER = "customer"


_SCOPE_RANK = {Scope.GENERAL: 0, Scope.CLASS: 1, Scope.CUSTOMER: 2}


class RuleKind(StrEnum):
    CLASS_DISCOUNT = "class_discount"
    QUANTITY_BREAK = "quantity_break"
    PROMOTION = "promotion"


@dataclass(frozen=True)
class Validity:
    """From ``starts`` to ``ends`` inclusive; an open end is ``None``."""

    starts: date | None = None
    ends: date | None = None

    def covers(self, on: date) -> bool:
        return (self.starts is None or self.starts <= on) and (self.ends is None or on <= self.ends)


@dataclass(frozen=True)
class PriceListLine:
    price_list_id: int
    price_list_name: str
    scope: Scope
    scope_ref: str | None
    """The class code (``Scope.CLASS``) or the customer id (``Scope.CUSTOMER``); ``None`` for a general list."""
    currency: str
    sku: str
    min_quantity: Decimal
    unit_price: Decimal
    valid: Validity


@dataclass(frozen=True)
class DiscountRule:
    id: int
    name: str
    kind: RuleKind
    percent: Decimal
    valid: Validity
    customer_class: str | None = None
    sku: str | None = None
    category: str | None = None
    min_quantity: Decimal | None = None


@dataclass(frozen=True)
class Customer:
    id: str
    customer_class: str | None
    currency: str


@dataclass(frozen=True)
class LineToPrice:
    sku: str
    category: str | None
    quantity: Decimal
    manual_discount_percent: Decimal = ZERO


@dataclass(frozen=True)
class AppliedDiscount:
    rule_id: int | None
    """``None`` for the manual discount."""
    name: str
    kind: str
    percent: Decimal


@dataclass(frozen=True)
class LinePrice:
    list_price: Decimal
    price_list_id: int
    price_list_name: str
    discounts: tuple[AppliedDiscount, ...]
    net_unit_price: Decimal
    needs_manager: bool
    """The manual discount is above what the ``sales`` role may give."""

    @property
    def total_discount_percent(self) -> Decimal:
        if self.list_price == ZERO:
            return ZERO
        return q6((ONE - self.net_unit_price / self.list_price) * HUNDRED)

    def explanation(self) -> str:
        """One sentence a clerk can read, e.g. for the order screen and the API."""
        parts = [f"list price {self.list_price.normalize():f} from {self.price_list_name!r}"]
        parts += [f"{d.name} -{d.percent.normalize():f}%" for d in self.discounts]
        return "; ".join(parts) + f"; net {self.net_unit_price.normalize():f}"


class NoPrice(LookupError):
    """No price-list line for the SKU, currency, customer, date and quantity."""


class BadDiscount(ValueError):
    """A manual discount outside 0-100 % (or a rule that would give a negative price)."""


def price_line(
    customer: Customer,
    line: LineToPrice,
    on: date,
    price_lines: Iterable[PriceListLine],
    rules: Iterable[DiscountRule],
    manual_cap_percent: Decimal,
) -> LinePrice:
    """Price one line for ``customer`` on ``on``; raises :class:`NoPrice` or :class:`BadDiscount`."""
    if not ZERO <= line.manual_discount_percent <= HUNDRED:
        raise BadDiscount(f"a discount is between 0 and 100 %, not {line.manual_discount_percent}")
    listed = list_price(customer, line, on, price_lines)
    rules = list(rules)
    applied = [d for d in (_class_discount(customer, on, rules), _item_discount(line, on, rules)) if d is not None]
    if line.manual_discount_percent > ZERO:
        applied.append(AppliedDiscount(None, "manual discount", "manual", line.manual_discount_percent))
    net = listed.unit_price
    for discount in applied:
        net *= ONE - discount.percent / HUNDRED
    return LinePrice(
        list_price=listed.unit_price,
        price_list_id=listed.price_list_id,
        price_list_name=listed.price_list_name,
        discounts=tuple(applied),
        net_unit_price=q6(net),
        needs_manager=line.manual_discount_percent > manual_cap_percent,
    )


def list_price(customer: Customer, line: LineToPrice, on: date, price_lines: Iterable[PriceListLine]) -> PriceListLine:
    """Step 1: the price-list line that sets the list price (see the module docstring for the order)."""
    candidates = [pl for pl in price_lines if _applies(pl, customer, line, on)]
    if not candidates:
        raise NoPrice(f"no price for {line.sku} in {customer.currency} on {on.isoformat()} for this customer")
    return max(
        candidates,
        key=lambda pl: (
            _SCOPE_RANK[pl.scope],
            pl.min_quantity,
            pl.valid.starts or date.min,
            -pl.unit_price,
            -pl.price_list_id,
        ),
    )


def _applies(pl: PriceListLine, customer: Customer, line: LineToPrice, on: date) -> bool:
    if pl.sku != line.sku or pl.currency != customer.currency or not pl.valid.covers(on):
        return False
    if pl.min_quantity > line.quantity:
        return False
    if pl.scope is Scope.CLASS:
        return pl.scope_ref is not None and pl.scope_ref == customer.customer_class
    if pl.scope is Scope.CUSTOMER:
        return pl.scope_ref == customer.id
    return True


def _class_discount(customer: Customer, on: date, rules: Sequence[DiscountRule]) -> AppliedDiscount | None:
    """Step 2: the best class discount valid on ``on``."""
    if customer.customer_class is None:
        return None
    matching = [
        r
        for r in rules
        if r.kind is RuleKind.CLASS_DISCOUNT and r.customer_class == customer.customer_class and r.valid.covers(on)
    ]
    return _best(matching, lambda r: (r.percent, -r.id))


def _item_discount(line: LineToPrice, on: date, rules: Sequence[DiscountRule]) -> AppliedDiscount | None:
    """Step 3: the best single quantity break or promotion on the SKU or its category."""
    matching = [
        r
        for r in rules
        if r.kind in (RuleKind.QUANTITY_BREAK, RuleKind.PROMOTION)
        and _targets(r, line)
        and r.valid.covers(on)
        and (r.kind is RuleKind.PROMOTION or (r.min_quantity or ZERO) <= line.quantity)
    ]
    return _best(matching, lambda r: (r.percent, r.sku is not None, -r.id))


def _targets(rule: DiscountRule, line: LineToPrice) -> bool:
    if rule.sku is not None:
        return rule.sku == line.sku
    return rule.category is not None and rule.category == line.category


def _best(rules: list[DiscountRule], key: object) -> AppliedDiscount | None:
    if not rules:
        return None
    rule = max(rules, key=key)  # type: ignore[arg-type]
    return AppliedDiscount(rule.id, rule.name, rule.kind.value, rule.percent)
