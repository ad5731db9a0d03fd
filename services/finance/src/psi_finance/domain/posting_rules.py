"""Posting rules (记账规则): what each business event means in the books, as a journal entry.

Pure functions from an event's data to a :class:`~psi_finance.domain.journal.JournalEntry`. The values come from
the events exactly as the producer booked them (inventory's ``total_value`` / ``total_cost`` under the method its
books use), never recomputed, so the general ledger's inventory account and inventory's valuation stay equal to
the last decimal. Accounts are named by role (domain/chart.py), never by code.

==================================  ==========================================================================
``inventory.StockReceived.v1``      Dr Inventory / Cr Goods received not invoiced (GRNI), ``total_value``
``inventory.StockIssued.v1``        Dr Cost of goods sold / Cr Inventory, ``total_cost``
``inventory.StockAdjusted.v1``      gain: Dr Inventory / Cr Inventory gains and losses; loss: the reverse
``inventory.SupplierReturnIssued``  Dr GRNI / Cr Inventory, ``total_value`` (the supplier takes back goods)
``inventory.ReturnRestocked.v1``    Dr Inventory / Cr Cost of goods sold, ``total_value`` (a customer return)
``inventory.StockTransferred.v1``   shipped: Dr Inventory in transit / Cr Inventory at the source's books value;
                                    received: Dr Inventory at the target's books value / Cr Inventory in transit
                                    at what left the source, any difference (the two warehouses value by other
                                    methods) to Inventory gains and losses
``sales.OrderShipped.v1``           a customer invoice: Dr Receivables (gross) / Cr Revenue (net), Cr VAT output
``sales.ReturnReceived.v1``         a credit note: Dr Sales returns (net), Dr VAT output (tax) / Cr Receivables
==================================  ==========================================================================

A sales document's amounts are in its currency; the ledger is in the base currency at ``rate`` (1 for the base
currency, always). Each line's net and tax are rounded to six places the way sales rounds them
(``psi_chassis.decimals``), then converted, so an invoice in the base currency equals sales' figures exactly.
An event whose amounts are zero needs no entry (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO, line_amount, q6, tax_amount
from psi_finance.domain.chart import Role
from psi_finance.domain.journal import JournalEntry, JournalLine, Source, without_zero_lines


class MissingFigures(ValueError):
    """The event lacks a figure the rule needs (a producer that does not fill its optional fields)."""


def business_date(moment: datetime) -> date:
    """The UTC date a business time falls on: the entry's date."""
    return moment.astimezone(UTC).date()


def _entry(
    event_type: str, event_id: str, document: str, on: date, text: str, lines: Iterable[JournalLine]
) -> JournalEntry | None:
    kept = without_zero_lines(lines)
    if not kept:
        return None
    return JournalEntry(on, text, Source(event_type, event_id, document), kept)


def _pair(debit: str, credit: str, amount: Decimal, memo: str) -> tuple[JournalLine, JournalLine]:
    return JournalLine(debit, debit=amount, memo=memo), JournalLine(credit, credit=amount, memo=memo)


def stock_received(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str]
) -> JournalEntry | None:
    memo = f"{data['document_ref']} into {data['warehouse_code']}"
    lines = _pair(accounts[Role.INVENTORY], accounts[Role.GRNI], data["total_value"], memo)
    on = business_date(data["occurred_at"])
    return _entry(event_type, event_id, data["document_ref"], on, f"goods received {memo}", lines)


def stock_issued(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str]
) -> JournalEntry | None:
    memo = f"shipment {data['shipment_id']} of {data['order_number']} from {data['warehouse_code']}"
    lines = _pair(accounts[Role.COGS], accounts[Role.INVENTORY], data["total_cost"], memo)
    on = business_date(data["occurred_at"])
    return _entry(event_type, event_id, data["order_number"], on, f"cost of goods sold, {memo}", lines)


def stock_adjusted(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str]
) -> JournalEntry | None:
    value: Decimal = data["total_value"]
    memo = f"{data['document_ref']} ({data['reason_code']}) in {data['warehouse_code']}"
    inventory, gains_losses = accounts[Role.INVENTORY], accounts[Role.INVENTORY_GAINS_LOSSES]
    lines = (
        _pair(inventory, gains_losses, value, memo) if value > ZERO else _pair(gains_losses, inventory, -value, memo)
    )
    on = business_date(data["occurred_at"])
    return _entry(event_type, event_id, data["document_ref"], on, f"stock adjustment {memo}", lines)


def supplier_return_issued(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str]
) -> JournalEntry | None:
    memo = f"{data['return_number']} of {data['po_number']} from {data['warehouse_code']}"
    lines = _pair(accounts[Role.GRNI], accounts[Role.INVENTORY], data["total_value"], memo)
    on = business_date(data["occurred_at"])
    return _entry(event_type, event_id, data["return_number"], on, f"goods returned to the supplier, {memo}", lines)


def return_restocked(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str]
) -> JournalEntry | None:
    memo = f"{data['return_number']} of {data['order_number']} into {data['warehouse_code']}"
    lines = _pair(accounts[Role.INVENTORY], accounts[Role.COGS], data["total_value"], memo)
    on = business_date(data["occurred_at"])
    return _entry(event_type, event_id, data["return_number"], on, f"customer return restocked at cost, {memo}", lines)


def books_value(method: str, line: Mapping[str, Any]) -> Decimal:
    """A transfer line's value in a warehouse's books: moving average or FIFO, as the warehouse values stock."""
    return line["value_fifo"] if method == "fifo" else line["value"]


def transfer_shipped(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str], source_method: str
) -> JournalEntry | None:
    value = sum((books_value(source_method, ln) for ln in data["lines"]), ZERO)
    memo = f"{data['transfer_number']} {data['from_warehouse']} -> {data['to_warehouse']}"
    lines = _pair(accounts[Role.INVENTORY_IN_TRANSIT], accounts[Role.INVENTORY], value, memo)
    on = business_date(data["occurred_at"])
    return _entry(event_type, event_id, data["transfer_number"], on, f"stock in transit, {memo}", lines)


def transfer_received(
    event_type: str,
    event_id: str,
    data: Mapping[str, Any],
    accounts: Mapping[Role, str],
    methods: tuple[str, str],
) -> JournalEntry | None:
    """``methods``: the source warehouse's and the target's valuation methods."""
    left = sum((books_value(methods[0], ln) for ln in data["lines"]), ZERO)
    arrived = sum((books_value(methods[1], ln) for ln in data["lines"]), ZERO)
    memo = f"{data['transfer_number']} {data['from_warehouse']} -> {data['to_warehouse']}"
    difference = arrived - left
    gains_losses = accounts[Role.INVENTORY_GAINS_LOSSES]
    lines = (
        JournalLine(accounts[Role.INVENTORY], debit=arrived, memo=memo),
        JournalLine(accounts[Role.INVENTORY_IN_TRANSIT], credit=left, memo=memo),
        JournalLine(gains_losses, credit=max(difference, ZERO), debit=max(-difference, ZERO), memo=memo),
    )
    on = business_date(data["occurred_at"])
    return _entry(event_type, event_id, data["transfer_number"], on, f"stock transferred in, {memo}", lines)


@dataclass(frozen=True)
class SalesDocument:
    """A customer invoice or credit note in its own currency, and in the base currency at ``rate``."""

    currency: str
    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    def base(self, amount: Decimal) -> Decimal:
        return q6(amount * self.rate)

    @property
    def base_net(self) -> Decimal:
        return self.base(self.net)

    @property
    def base_tax(self) -> Decimal:
        return self.base(self.tax)

    @property
    def base_gross(self) -> Decimal:
        return self.base_net + self.base_tax


def sales_document(lines: Iterable[Mapping[str, Any]], currency: str, rate: Decimal) -> SalesDocument:
    """Net and tax of shipped or returned lines, each line rounded as sales rounds it."""
    net = tax = ZERO
    for line in lines:
        if line.get("unit_price") is None or line.get("tax_rate") is None:
            raise MissingFigures(f"line {line['line_no']} has no unit_price or tax_rate: it cannot be invoiced")
        amount = line_amount(line["quantity"], line["unit_price"])
        net += amount
        tax += tax_amount(amount, line["tax_rate"])
    return SalesDocument(currency, rate, net, tax)


def customer_party(data: Mapping[str, Any]) -> str:
    if data.get("customer_id") is None:
        raise MissingFigures("the event names no customer: it cannot be invoiced")
    return f"customer:{data['customer_id']}"


def customer_invoice(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str], document: SalesDocument
) -> JournalEntry | None:
    """``sales.OrderShipped.v1``: Dr Receivables gross / Cr Revenue net, Cr VAT output tax (base currency)."""
    party = customer_party(data)
    memo = f"{data['shipment_number']} of {data['order_number']}"
    fx = {"currency": document.currency, "amount_currency": document.gross} if document.rate != 1 else {}
    lines = (
        JournalLine(accounts[Role.RECEIVABLES], debit=document.base_gross, memo=memo, party=party, **fx),
        JournalLine(accounts[Role.REVENUE], credit=document.base_net, memo=memo),
        JournalLine(accounts[Role.VAT_OUTPUT], credit=document.base_tax, memo=memo),
    )
    on = business_date(data["shipped_at"])
    return _entry(event_type, event_id, data["shipment_number"], on, f"customer invoice for {memo}", lines)


def credit_note(
    event_type: str, event_id: str, data: Mapping[str, Any], accounts: Mapping[Role, str], document: SalesDocument
) -> JournalEntry | None:
    """``sales.ReturnReceived.v1``: Dr Sales returns net, Dr VAT output tax / Cr Receivables gross."""
    party = customer_party(data)
    memo = f"{data['return_number']} of {data['order_number']}"
    fx = {"currency": document.currency, "amount_currency": document.gross} if document.rate != 1 else {}
    lines = (
        JournalLine(accounts[Role.SALES_RETURNS], debit=document.base_net, memo=memo),
        JournalLine(accounts[Role.VAT_OUTPUT], debit=document.base_tax, memo=memo),
        JournalLine(accounts[Role.RECEIVABLES], credit=document.base_gross, memo=memo, party=party, **fx),
    )
    on = business_date(data["received_at"])
    return _entry(event_type, event_id, data["return_number"], on, f"credit note for {memo}", lines)
