"""Quotation commands: a quotation priced like an order, converted into a draft order (prices kept or priced again)
or cancelled. The rules: domain/quotation.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.errors import add_error
from psi_chassis.replica import item_problem
from psi_chassis.types import utcnow
from psi_sales.adapters import pricing as pricing_store
from psi_sales.adapters import quotations as store
from psi_sales.domain.commands import DraftLine
from psi_sales.domain.errors import PricingRuleViolation
from psi_sales.domain.order import OrderLine
from psi_sales.domain.pricing import LinePrice, LineToPrice
from psi_sales.domain.quotation import (
    NewQuotation,
    Pricing,
    Quotation,
    QuotationNotFound,
    QuotationStatus,
    QuotedLine,
    as_draft_line,
    kept_price,
    totals,
    validity,
)
from psi_sales.service.orders import NewDraft, get_order, line_row, orderable_customer, write_draft
from psi_sales.service.pricing import price_lines_for


def create_quotation(db: Database, cmd: NewQuotation, actor: Actor, manual_cap: Decimal) -> dict[str, Any]:
    """A quotation for an existing, not blocked customer and an active warehouse, every line priced on the quote
    date exactly as an order's line (domain/pricing.py); the whole request is refused when a line cannot be."""
    today = utcnow().date()
    quote_date = cmd.quote_date or today
    valid_until = validity(quote_date, cmd.valid_until)

    def work(session: Session) -> dict[str, Any]:
        customer = orderable_customer(session, cmd.customer_id, cmd.warehouse_code)
        priced = _price(session, cmd.customer_id, cmd.lines, quote_date, actor, manual_cap)
        lines = _order_lines(cmd.lines, priced)
        net, tax, total = totals(lines)
        now = utcnow()
        header = {
            "customer_id": customer["id"],
            "warehouse_code": cmd.warehouse_code,
            "currency": customer["currency"],
            "status": QuotationStatus.OPEN.value,
            "quote_date": quote_date,
            "valid_until": valid_until,
            "salesperson": cmd.salesperson or customer["salesperson"],
            "note": cmd.note,
            "net_amount": net,
            "tax_amount": tax,
            "total_amount": total,
            "created_by": actor.username,
            "created_at": now,
            "updated_at": now,
        }
        rows = [_quotation_line_row(line, price) for line, price in zip(lines, priced, strict=True)]
        return _quotation(session, store.add_quotation(session, header, rows), today)

    return run_command(db, work)


def convert_quotation(
    db: Database, quotation_id: int, pricing: Pricing, order_date: date | None, actor: Actor, manual_cap: Decimal
) -> dict[str, Any]:
    """A draft order from an open quotation, written by write_draft as every draft is, naming the quotation.

    The quotation's row is locked first, so two conversions at once make one order: the second waits, then finds
    it converted (409 QUOTATION_NOT_OPEN). Kept prices: the quotation's price records, unchanged (domain rule:
    still valid, same currency). Repriced: priced again on the order date with the quotation's manual discounts,
    within the cap of the one who converts.
    """

    def work(session: Session) -> int:
        found = store.quotation(session, quotation_id, lock=True)
        if found is None:
            raise QuotationNotFound(f"quotation {quotation_id} does not exist")
        today = utcnow().date()
        on = order_date or today
        quotation = _state(found)
        quotation.require_open()
        customer = orderable_customer(session, found["customer_id"], found["warehouse_code"])
        quotation.convert(pricing, today, on, customer["currency"])
        quoted = [QuotedLine(**line) for line in found["lines"]]
        if pricing is Pricing.KEEP:
            _ensure_sellable(session, [line.sku for line in quoted])
            lines, priced = _kept_lines(quoted), [kept_price(line) for line in quoted]
        else:
            wanted = [as_draft_line(line) for line in quoted]
            priced = _price(session, found["customer_id"], wanted, on, actor, manual_cap)
            lines = _order_lines(wanted, priced)
        draft = NewDraft(customer, found["warehouse_code"], on, found["salesperson"], found["note"], quotation_id)
        order_id = write_draft(session, draft, lines, priced, actor)
        _close(session, quotation_id, quotation, actor, order_id=order_id)
        return order_id

    return get_order(db, run_command(db, work))


def cancel_quotation(db: Database, quotation_id: int, reason: str | None, actor: Actor) -> dict[str, Any]:
    """Cancel an open quotation (expired ones too): its prices are no longer offered, and it never becomes an order."""

    def work(session: Session) -> dict[str, Any]:
        found = store.quotation(session, quotation_id, lock=True)
        if found is None:
            raise QuotationNotFound(f"quotation {quotation_id} does not exist")
        quotation = _state(found)
        quotation.cancel()
        _close(session, quotation_id, quotation, actor, cancel_reason=reason)
        return _quotation(session, quotation_id, utcnow().date())

    return run_command(db, work)


def get_quotation(db: Database, quotation_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return _quotation(session, quotation_id, utcnow().date())


def list_quotations(
    db: Database, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Newest first; ``status`` speaks of the shown status (``expired``: open and past its date today)."""
    today = utcnow().date()
    with db.unit_of_work() as session:
        items, total = store.list_quotations(session, filters, today, page, page_size)
    return [_shown(item, today) for item in items], total


# -- the pieces ---------------------------------------------------------------------------------------------------
def _price(
    session: Session, customer_id: int, lines: Sequence[DraftLine], on: date, actor: Actor, manual_cap: Decimal
) -> list[LinePrice]:
    wanted = [LineToPrice(ln.sku, None, ln.quantity, ln.manual_discount_percent) for ln in lines]
    return price_lines_for(session, customer_id, wanted, on, actor, manual_cap)


def _order_lines(lines: Sequence[DraftLine], priced: Sequence[LinePrice]) -> list[OrderLine]:
    return [
        OrderLine(
            line_no=i,
            sku=line.sku,
            quantity=line.quantity,
            list_price=price.list_price,
            unit_price=price.net_unit_price,
            tax_rate=line.tax_rate,
            discount_percent=line.manual_discount_percent,
            requested_date=line.requested_date,
        )
        for i, (line, price) in enumerate(zip(lines, priced, strict=True), start=1)
    ]


def _kept_lines(quoted: Sequence[QuotedLine]) -> list[OrderLine]:
    return [
        OrderLine(
            line_no=line.line_no,
            sku=line.sku,
            quantity=line.quantity,
            list_price=line.list_price,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            discount_percent=line.manual_discount_percent,
            requested_date=line.requested_date,
        )
        for line in quoted
    ]


def _quotation_line_row(line: OrderLine, price: LinePrice) -> dict[str, Any]:
    """An order line's price record (service/orders.py::line_row), with the list's name and nothing shipped."""
    row = {k: v for k, v in line_row(line, price).items() if k not in ("shipped_quantity", "returned_quantity")}
    return {**row, "price_list_name": price.price_list_name}


def _ensure_sellable(session: Session, skus: list[str]) -> None:
    """Prices kept are not looked up again, but the SKUs must still be known and active (as for every order)."""
    facts = pricing_store.item_facts(session, skus)
    known = {sku: active for sku, (active, _) in facts.items()}
    errors: dict[str, Any] = {}
    codes: list[str] = []
    for i, sku in enumerate(skus):
        problem = item_problem(known, sku)
        if problem is not None:
            codes.append(problem[0])
            add_error(errors, "lines", problem[1], i, "sku")
    if errors:
        raise PricingRuleViolation("a quotation line names a SKU that cannot be sold now", code=codes[0], errors=errors)


def _state(found: dict[str, Any]) -> Quotation:
    return Quotation(QuotationStatus(found["status"]), found["currency"], found["quote_date"], found["valid_until"])


def _close(
    session: Session,
    quotation_id: int,
    quotation: Quotation,
    actor: Actor,
    order_id: int | None = None,
    cancel_reason: str | None = None,
) -> None:
    now = utcnow()
    values = {"status": quotation.status.value, "closed_by": actor.username, "closed_at": now, "updated_at": now}
    store.close_quotation(session, quotation_id, {**values, "order_id": order_id, "cancel_reason": cancel_reason})


def _shown(view: dict[str, Any], today: date) -> dict[str, Any]:
    return {**view, "status": _state(view).shown_status(today).value}


def _quotation(session: Session, quotation_id: int, today: date) -> dict[str, Any]:
    found = store.quotation(session, quotation_id)
    if found is None:
        raise QuotationNotFound(f"quotation {quotation_id} does not exist")
    return _shown(found, today)
