"""Supplier scorecards: the facts of a period's receipts (adapters/scorecard.py) scored by the pure rules of
domain/scorecard.py (on-time rate, acceptance rate, price variance against the list price)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date
from typing import Any

from sqlalchemy.orm import Session

from psi_purchasing.adapters import prices
from psi_purchasing.adapters import scorecard as facts
from psi_purchasing.domain.pricing import PriceEntry

# The arithmetic moved to domain/scorecard.py; the unit tests still import it from here.
from psi_purchasing.domain.scorecard import LineFact as LineFact
from psi_purchasing.domain.scorecard import ReceiptFact as ReceiptFact
from psi_purchasing.domain.scorecard import acceptance as acceptance
from psi_purchasing.domain.scorecard import list_price as list_price
from psi_purchasing.domain.scorecard import on_time as on_time
from psi_purchasing.domain.scorecard import price_variance as price_variance
from psi_purchasing.domain.scorecard import score as score


def _receipt_facts(receipt_rows: Sequence[Any], supplier_id: int) -> list[ReceiptFact]:
    return [
        ReceiptFact(r.received_at.astimezone(UTC).date(), r.expected_date)
        for r in receipt_rows
        if r.supplier_id == supplier_id
    ]


def _line_facts(
    line_rows: Sequence[Any], supplier_id: int, price_list: Mapping[tuple[int, str], list[PriceEntry]]
) -> list[LineFact]:
    """Each receipt line with the list price of its SKU on its order's date for the ordered quantity."""
    return [
        LineFact(
            r.received_quantity,
            r.accepted_quantity,
            r.unit_cost,
            list_price(
                price_list.get((supplier_id, r.sku), []),
                r.created_at.astimezone(UTC).date(),
                r.ordered_quantity,
                r.currency,
            ),
        )
        for r in line_rows
        if r.supplier_id == supplier_id
    ]


def scorecards(session: Session, supplier_ids: Sequence[int], date_from: date, date_to: date) -> list[dict[str, Any]]:
    """One scorecard per supplier id (in the order given), over receipts dated ``date_from`` to
    ``date_to``; a supplier without receipts gets empty figures."""
    if not supplier_ids:
        return []
    start, end = facts.bounds(date_from, date_to)
    heads = facts.supplier_heads(session, supplier_ids)
    receipt_rows = facts.receipt_rows(session, supplier_ids, start, end)
    line_rows = facts.receipt_line_rows(session, supplier_ids, start, end)
    price_list = prices.prices_by_supplier_and_sku(session, supplier_ids, {r.sku for r in line_rows})
    cards = []
    for supplier_id in supplier_ids:
        head = heads.get(supplier_id)
        cards.append(
            {
                "supplier_id": supplier_id,
                "supplier_code": head.code if head else None,
                "supplier_name": head.name if head else None,
                "from": date_from,
                "to": date_to,
                **score(_receipt_facts(receipt_rows, supplier_id), _line_facts(line_rows, supplier_id, price_list)),
            }
        )
    return cards
