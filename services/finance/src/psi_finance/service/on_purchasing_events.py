"""Purchasing's events that finance keeps for the three-way match (queue ``psi.finance.on_purchasing_events``).

Nothing here posts: the receipts' value reaches the books through inventory's ``StockReceived`` (Dr Inventory /
Cr GRNI), and a bill clears GRNI when an accountant enters it (service/bills.py). What is kept, per order line:

* ``PurchaseOrderApproved``: the newest revision's lines (quantity, unit price net of tax, tax rate), currency,
  exchange rate and supplier; an older revision arriving late changes nothing.
* ``GoodsReceived``: the accepted quantity and its base value (``accepted × unit_cost_base`` rounded to six
  places, as inventory books it and GRNI is credited), once per receipt line.
* ``GoodsReturned``: the returned quantity and its base value, once per return line: goods sent back are not
  billed (the debit note for goods returned after their bill is not built yet).
* ``PurchaseOrderCancelled`` and ``PurchaseOrderShortClosed``: the order's status. A cancelled order matches
  nothing (``NO_ORDER``); a short-closed one expects no more goods, so its received quantities are final.

Each event changes the books' state once: the inbox drops a redelivery, and behind it each receipt and return
line is recorded once by its document's id (a republished event under a new id counts nothing twice).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.decimals import line_amount
from psi_chassis.service import Event
from psi_chassis.types import utcnow
from psi_finance.adapters import payables as store


def on_purchase_order_approved(session: Session, event: Event) -> None:
    """Keep the approved revision's terms, unless a newer revision is kept already."""
    data = event.data
    order = {
        "po_id": data["po_id"],
        "po_number": data["po_number"],
        "revision": data["revision"],
        "supplier_id": data["supplier_id"],
        "supplier_code": data.get("supplier_code"),
        "currency": data["currency"],
        "exchange_rate": data["exchange_rate"],
        "approved_at": data["approved_at"],
    }
    lines = [
        {
            "line_no": ln["line_no"],
            "sku": ln["sku"],
            "ordered_quantity": ln["quantity"],
            "unit_price": ln["unit_price"],
            "tax_rate": ln.get("tax_rate"),
        }
        for ln in data["lines"]
    ]
    store.save_approval(session, order, lines, utcnow())


def on_goods_received(session: Session, event: Event) -> None:
    """Count each accepted receipt line into its order line, once."""
    _count(session, event, "receipt", "receipt_id", "receipt_number", "received_at", "accepted_quantity")


def on_goods_returned(session: Session, event: Event) -> None:
    """Count each returned line out of its order line's received goods, once."""
    _count(session, event, "return", "return_id", "return_number", "returned_at", "quantity")


_COLUMNS = {"receipt": ("received_quantity", "received_value"), "return": ("returned_quantity", "returned_value")}


def _count(session: Session, event: Event, kind: str, doc_id: str, doc_number: str, when: str, qty: str) -> None:
    data = event.data
    now = utcnow()
    store.lock_order(session, po_id=data["po_id"])  # a bill entered at the same time waits for this count
    lines = [ln for ln in data["lines"] if ln[qty] > 0]
    store.ensure_lines(session, data["po_id"], [ln["line_no"] for ln in lines], now)
    quantity_column, value_column = _COLUMNS[kind]
    for line in lines:
        value = line_amount(line[qty], line["unit_cost_base"])
        movement = {
            "kind": kind,
            "document_id": data[doc_id],
            "line_no": line["line_no"],
            "document_number": data[doc_number],
            "po_id": data["po_id"],
            "sku": line["sku"],
            "quantity": line[qty],
            "unit_cost_base": line["unit_cost_base"],
            "value": value,
            "occurred_at": data[when],
            "event_id": event.id,
        }
        if store.add_movement(session, movement):
            store.add_to_line(
                session, data["po_id"], line["line_no"], now, **{quantity_column: line[qty], value_column: value}
            )


def on_purchase_order_cancelled(session: Session, event: Event) -> None:
    """A cancelled order matches no bill (``NO_ORDER``)."""
    store.set_order_status(session, event.data["po_id"], "cancelled", utcnow())


def on_purchase_order_short_closed(session: Session, event: Event) -> None:
    """No more goods will come: what was accepted is what may be billed without an exception."""
    store.set_order_status(session, event.data["po_id"], "short_closed", utcnow())
