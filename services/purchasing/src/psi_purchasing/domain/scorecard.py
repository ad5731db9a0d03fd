"""Supplier scorecard over a period of receipt dates: on-time delivery, quality acceptance, price variance.

Pure functions over plain facts (tested by hand-worked examples); service/scorecard.py gathers the facts
(adapters/scorecard.py) and asks these.

- on-time rate = receipts dated on or before their order's expected date / receipts whose order has one;
- acceptance rate = accepted quantity / received quantity, over every receipt line;
- price variance = Σ qty x (unit cost - list price) / Σ qty x list price, over the receipt lines that had a
  list price (the supplier's price for the SKU in the order currency, valid on the order date, for the
  ordered quantity; the highest quantity break wins, then the latest validity): a fraction, +0.05 = paid 5%
  above list.

A receipt's date is the UTC date of its ``received_at``; rates are rounded half-even to six decimals and are
null when nothing counts towards them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO, q6
from psi_purchasing.domain.pricing import PricedEntry, order_price


@dataclass(frozen=True)
class ReceiptFact:
    received_on: date
    expected_date: date | None


@dataclass(frozen=True)
class LineFact:
    received_quantity: Decimal
    accepted_quantity: Decimal
    unit_cost: Decimal
    list_price: Decimal | None


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return q6(numerator / denominator) if denominator else None


def on_time(receipts: Sequence[ReceiptFact]) -> dict[str, Any]:
    counted = [r for r in receipts if r.expected_date is not None]
    punctual = sum(1 for r in counted if r.received_on <= r.expected_date)  # type: ignore[operator]
    return {
        "on_time_rate": _ratio(Decimal(punctual), Decimal(len(counted))),
        "on_time_receipts": punctual,
        "receipts_with_expected_date": len(counted),
    }


def acceptance(lines: Sequence[LineFact]) -> dict[str, Any]:
    received = sum((ln.received_quantity for ln in lines), ZERO)
    accepted = sum((ln.accepted_quantity for ln in lines), ZERO)
    return {
        "acceptance_rate": _ratio(accepted, received),
        "accepted_quantity": accepted,
        "received_quantity": received,
        "rejected_quantity": received - accepted,
    }


def price_variance(lines: Sequence[LineFact]) -> dict[str, Any]:
    priced = [ln for ln in lines if ln.list_price is not None]
    paid = sum((ln.received_quantity * ln.unit_cost for ln in priced), ZERO)
    listed = sum((ln.received_quantity * ln.list_price for ln in priced), ZERO)  # type: ignore[operator]
    return {
        "price_variance": _ratio(paid - listed, listed),
        "priced_lines": len(priced),
        "unpriced_lines": len(lines) - len(priced),
        "paid_amount": q6(paid),
        "list_amount": q6(listed),
    }


def score(receipts: Sequence[ReceiptFact], lines: Sequence[LineFact]) -> dict[str, Any]:
    return {"receipts": len(receipts), **on_time(receipts), **acceptance(lines), **price_variance(lines)}


def list_price(prices: Sequence[PricedEntry], on: date, quantity: Decimal, currency: str) -> Decimal | None:
    """The list price valid on ``on`` for ``quantity`` in ``currency`` among one supplier's prices for one SKU:
    the order price of domain/pricing.py, so a line is compared with what it would have been priced at."""
    best = order_price(prices, on, quantity, currency)
    return None if best is None else best.unit_price
