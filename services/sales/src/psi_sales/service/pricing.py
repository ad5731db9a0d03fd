"""Price lists, discount rules, and pricing lines for a customer (a quote: nothing is written)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.errors import add_error
from psi_chassis.replica import item_problem
from psi_chassis.types import utcnow
from psi_sales.adapters import customers as customer_store
from psi_sales.adapters import pricing as store
from psi_sales.domain.discount_rules import NewDiscountRule, check_discount_rule, may_exceed_manual_cap
from psi_sales.domain.errors import (
    CustomerNotFound,
    DiscountNeedsManager,
    DiscountRuleNotFound,
    NoPriceForLine,
    PricingRuleViolation,
    UnknownCustomerClass,
)
from psi_sales.domain.price_lists import PriceListEntry, check_price_list
from psi_sales.domain.pricing import BadDiscount, Customer, LinePrice, LineToPrice, NoPrice, Scope, price_line


def _require_refs(session: Session, class_code: str | None, customer_id: int | None) -> None:
    if class_code is not None and customer_store.customer_class(session, class_code) is None:
        raise UnknownCustomerClass(f"customer class {class_code} does not exist", errors={"class_code": ["unknown"]})
    if customer_id is not None and customer_store.customer(session, customer_id) is None:
        raise CustomerNotFound(f"customer {customer_id} does not exist", errors={"customer_id": ["unknown"]})


def create_price_list(db: Database, values: dict[str, Any]) -> dict[str, Any]:
    """A price list with its lines, in one transaction; every rule of domain/price_lists.py checked first."""
    lines = [PriceListEntry(**line) for line in values["lines"]]
    scope = Scope(values["scope"])
    check_price_list(
        scope,
        values.get("class_code"),
        values.get("customer_id"),
        values.get("valid_from"),
        values.get("valid_to"),
        lines,
    )

    def work(session: Session) -> dict[str, Any]:
        _require_refs(session, values.get("class_code"), values.get("customer_id"))
        header = {k: v for k, v in values.items() if k != "lines"}
        list_id = store.add_price_list(session, {**header, "created_at": utcnow()}, [asdict(line) for line in lines])
        found = store.price_list(session, list_id)
        assert found is not None
        return found

    return run_command(db, work)


def create_discount_rule(db: Database, rule: NewDiscountRule) -> dict[str, Any]:
    check_discount_rule(rule)

    def work(session: Session) -> dict[str, Any]:
        _require_refs(session, rule.class_code, None)
        values = {**asdict(rule), "kind": rule.kind.value, "active": True, "created_at": utcnow()}
        found = store.rule(session, store.add_rule(session, values))
        assert found is not None
        return found

    return run_command(db, work)


def deactivate_discount_rule(db: Database, rule_id: int) -> dict[str, Any]:
    """A rule is never deleted (orders priced by it name it); deactivated, it prices nothing from now on."""

    def work(session: Session) -> dict[str, Any]:
        if not store.deactivate_rule(session, rule_id):
            raise DiscountRuleNotFound(f"discount rule {rule_id} does not exist")
        found = store.rule(session, rule_id)
        assert found is not None
        return found

    return run_command(db, work)


def price_lines_for(
    session: Session, customer_id: int, lines: list[LineToPrice], on: date, actor: Actor, manual_cap: Decimal
) -> list[LinePrice]:
    """Price ``lines`` for the customer on ``on`` (the rule: domain/pricing.py); refuses the whole request when
    a SKU is unknown or inactive, has no price, or carries a manual discount above the caller's cap."""
    found = customer_store.customer(session, customer_id)
    if found is None:
        raise CustomerNotFound(f"customer {customer_id} does not exist", errors={"customer_id": ["unknown"]})
    customer = Customer(id=str(customer_id), customer_class=found["class_code"], currency=found["currency"])
    facts = store.item_facts(session, [line.sku for line in lines])
    errors: dict[str, Any] = {}
    codes: list[str] = []
    known = {sku: active for sku, (active, _) in facts.items()}
    for i, line in enumerate(lines):
        problem = item_problem(known, line.sku)
        if problem is not None:
            codes.append(problem[0])
            add_error(errors, "lines", problem[1], i, "sku")
    if errors:
        raise PricingRuleViolation("a line names a SKU that cannot be sold", code=codes[0], errors=errors)
    candidates = store.candidate_prices(session, customer.currency, [line.sku for line in lines], on)
    rules = store.active_rules(session, on)
    priced: list[LinePrice] = []
    for i, line in enumerate(lines):
        categorised = LineToPrice(line.sku, facts[line.sku][1], line.quantity, line.manual_discount_percent)
        try:
            priced.append(price_line(customer, categorised, on, candidates, rules, manual_cap))
        except NoPrice as exc:
            add_error(errors, "lines", str(exc), i, "sku")
        except BadDiscount as exc:
            raise PricingRuleViolation(
                str(exc), errors={"lines": {str(i): {"manual_discount_percent": ["must be between 0 and 100"]}}}
            ) from exc
    if errors:
        raise NoPriceForLine("a line has no price for this customer", errors=errors)
    over = [i for i, p in enumerate(priced) if p.needs_manager]
    if over and not may_exceed_manual_cap(actor.roles):
        raise DiscountNeedsManager(
            f"a manual discount above {manual_cap} % needs a sales manager",
            errors={"lines": {str(i): {"manual_discount_percent": [f"above the cap of {manual_cap} %"]} for i in over}},
        )
    return priced


def quote(
    db: Database, customer_id: int, lines: list[LineToPrice], on: date, actor: Actor, manual_cap: Decimal
) -> dict[str, Any]:
    """What the lines would cost the customer on ``on``, and why; nothing is written."""
    with db.unit_of_work() as session:
        priced = price_lines_for(session, customer_id, lines, on, actor, manual_cap)
    return {
        "customer_id": customer_id,
        "on": on,
        "lines": [_line_view(line, p) for line, p in zip(lines, priced, strict=True)],
    }


def _line_view(line: LineToPrice, price: LinePrice) -> dict[str, Any]:
    return {
        "sku": line.sku,
        "quantity": line.quantity,
        "list_price": price.list_price,
        "price_list_id": price.price_list_id,
        "price_list_name": price.price_list_name,
        "discounts": [asdict(d) for d in price.discounts],
        "total_discount_percent": price.total_discount_percent,
        "net_unit_price": price.net_unit_price,
        "explanation": price.explanation(),
    }
