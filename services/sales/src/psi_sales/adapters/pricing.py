"""Every statement about price lists and discount rules, and the candidates pricing chooses from."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from psi_chassis.paging import fetch_page
from psi_sales.adapters.tables import discount_rules, items, price_list_lines, price_lists
from psi_sales.domain.pricing import DiscountRule, PriceListLine, RuleKind, Scope, Validity


def _valid_on(table: Any, on: date) -> Any:
    return and_(
        or_(table.c.valid_from.is_(None), table.c.valid_from <= on),
        or_(table.c.valid_to.is_(None), table.c.valid_to >= on),
    )


# --- price lists --------------------------------------------------------------------------------------------


def add_price_list(session: Session, values: dict[str, Any], lines: list[dict[str, Any]]) -> int:
    list_id = int(session.execute(insert(price_lists).values(**values).returning(price_lists.c.id)).scalar_one())
    if lines:
        session.execute(insert(price_list_lines), [{**line, "price_list_id": list_id} for line in lines])
    return list_id


def _list_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "scope": row.scope,
        "class_code": row.class_code,
        "customer_id": row.customer_id,
        "currency": row.currency,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "created_at": row.created_at,
    }


def price_list(session: Session, list_id: int) -> dict[str, Any] | None:
    row = session.execute(select(price_lists).where(price_lists.c.id == list_id)).first()
    if row is None:
        return None
    lines = session.execute(
        select(price_list_lines.c.sku, price_list_lines.c.min_quantity, price_list_lines.c.unit_price)
        .where(price_list_lines.c.price_list_id == list_id)
        .order_by(price_list_lines.c.sku, price_list_lines.c.min_quantity)
    ).all()
    return {**_list_view(row), "lines": [dict(line._mapping) for line in lines]}


def list_price_lists(
    session: Session, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query: Select[Any] = select(price_lists)
    for name in ("scope", "currency", "class_code", "customer_id"):
        if filters.get(name) is not None:
            query = query.where(price_lists.c[name] == filters[name])
    rows, total = fetch_page(session, query, price_lists.c.id, page, page_size)
    return [_list_view(r) for r in rows], total


def candidate_prices(session: Session, currency: str, skus: Collection[str], on: date) -> list[PriceListLine]:
    """Every price-list line for ``skus`` in ``currency`` valid on ``on``; pricing picks among them."""
    rows = session.execute(
        select(price_lists, price_list_lines.c.sku, price_list_lines.c.min_quantity, price_list_lines.c.unit_price)
        .join(price_list_lines, price_list_lines.c.price_list_id == price_lists.c.id)
        .where(price_lists.c.currency == currency, price_list_lines.c.sku.in_(set(skus)), _valid_on(price_lists, on))
    ).all()
    return [
        PriceListLine(
            price_list_id=r.id,
            price_list_name=r.name,
            scope=Scope(r.scope),
            scope_ref=r.class_code if r.scope == Scope.CLASS else (str(r.customer_id) if r.customer_id else None),
            currency=r.currency,
            sku=r.sku,
            min_quantity=r.min_quantity,
            unit_price=r.unit_price,
            valid=Validity(r.valid_from, r.valid_to),
        )
        for r in rows
    ]


# --- discount rules -----------------------------------------------------------------------------------------


def add_rule(session: Session, values: dict[str, Any]) -> int:
    return int(session.execute(insert(discount_rules).values(**values).returning(discount_rules.c.id)).scalar_one())


def _rule_view(row: Any) -> dict[str, Any]:
    return {
        name: getattr(row, name)
        for name in (
            "id",
            "name",
            "kind",
            "percent",
            "valid_from",
            "valid_to",
            "class_code",
            "sku",
            "category",
            "min_quantity",
            "active",
            "created_at",
        )
    }


def rule(session: Session, rule_id: int) -> dict[str, Any] | None:
    row = session.execute(select(discount_rules).where(discount_rules.c.id == rule_id)).first()
    return None if row is None else _rule_view(row)


def deactivate_rule(session: Session, rule_id: int) -> bool:
    result = session.execute(update(discount_rules).where(discount_rules.c.id == rule_id).values(active=False))
    return bool(result.rowcount)


def list_rules(
    session: Session, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query: Select[Any] = select(discount_rules)
    for name in ("kind", "class_code", "sku", "category", "active"):
        if filters.get(name) is not None:
            query = query.where(discount_rules.c[name] == filters[name])
    rows, total = fetch_page(session, query, discount_rules.c.id, page, page_size)
    return [_rule_view(r) for r in rows], total


def active_rules(session: Session, on: date) -> list[DiscountRule]:
    """The active rules valid on ``on``; pricing picks the best of each kind for a line."""
    rows = session.execute(select(discount_rules).where(discount_rules.c.active, _valid_on(discount_rules, on))).all()
    return [
        DiscountRule(
            id=r.id,
            name=r.name,
            kind=RuleKind(r.kind),
            percent=r.percent,
            valid=Validity(r.valid_from, r.valid_to),
            customer_class=r.class_code,
            sku=r.sku,
            category=r.category,
            min_quantity=r.min_quantity,
        )
        for r in rows
    ]


def item_facts(session: Session, skus: Collection[str]) -> dict[str, tuple[bool, str | None]]:
    """``{sku: (active, category)}`` from the item replica (unknown SKUs are missing)."""
    if not skus:
        return {}
    rows = session.execute(select(items.c.sku, items.c.active, items.c.category).where(items.c.sku.in_(set(skus))))
    return {r.sku: (bool(r.active), r.category) for r in rows}
