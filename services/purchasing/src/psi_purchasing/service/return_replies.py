"""Inventory's answers to a purchase return: ``inventory.SupplierReturnIssued.v1`` completes it (and purchasing
announces ``purchasing.GoodsReturned.v1``), ``inventory.SupplierReturnRejected.v1`` refuses it and gives its
quantities back to the order lines. The rules are in domain/purchase_return.py.

Each reply is applied once: the consumer's inbox claims the event id in the same transaction. A reply for a
return that is no longer ``requested`` (inventory answered twice under different event ids) changes nothing;
it is logged and counted in ``psi_purchasing_return_replies_ignored_total``. A reply that contradicts the
return (unknown id, another number or request, other lines) is dead-lettered as poison for an operator.

Locks: the order row first, then the return row, as the request did, so a reply and a new return on the same
order wait for each other instead of deadlocking.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from psi_chassis.outbox import record_event
from psi_chassis.service import Event, PoisonMessage
from psi_chassis.types import utcnow
from psi_contracts.events.purchasing import GOODS_RETURNED_V1
from psi_purchasing import metrics
from psi_purchasing.adapters import repository
from psi_purchasing.adapters.repository import OrderHeader
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.model import PurchaseOrder
from psi_purchasing.domain.purchase_return import RequestedReturn, awaits_reply, contradiction, issue_mismatch

_log = logging.getLogger(__name__)


def _answered(session: Session, event: Event) -> tuple[OrderHeader, PurchaseOrder, RequestedReturn] | None:
    """Lock the order and the return a reply answers; None when the return no longer awaits a reply."""
    data = event.data
    try:
        return_id = int(data["return_id"])
    except ValueError:
        raise PoisonMessage(f"{event.type}: return_id {data['return_id']!r} is not a purchasing return") from None
    po_id = repository.return_order_id(session, return_id)
    loaded = None if po_id is None else repository.lock_purchase_order(session, po_id)
    ret = None if loaded is None else repository.lock_return(session, return_id)
    if loaded is None or ret is None:
        raise PoisonMessage(
            f"{event.type} answers return {return_id} ({data['return_number']}), which purchasing does not have"
        )
    problem = contradiction(ret, return_number=data["return_number"], source_event_id=data["source_event_id"])
    if problem is not None:
        raise PoisonMessage(f"{event.type}: {problem}")
    if not awaits_reply(ret.status):
        _log.warning(
            "ignored %s %s for return %s: it is %s already, the first answer stands",
            event.type,
            event.id,
            ret.number,
            ret.status,
        )
        counter = metrics.RETURN_REPLIES_IGNORED.labels(event.type, ret.status)
        # counted once the inbox row commits, so a retried delivery is not counted twice
        sa_event.listen(session, "after_commit", lambda _session: counter.inc(), once=True)
        return None
    return loaded[0], loaded[1], ret


def on_supplier_return_issued(session: Session, event: Event) -> None:
    """requested -> completed: keep inventory's values, and announce GoodsReturned (``returned_at`` = the time
    inventory issued the goods) for finance's debit note."""
    answered = _answered(session, event)
    if answered is None:
        return
    header, _po, ret = answered
    data = event.data
    mismatch = issue_mismatch(ret, [(ln["line_no"], ln["quantity"]) for ln in data["lines"]])
    if mismatch is not None:
        raise PoisonMessage(f"{event.type}: {mismatch}")
    returned = repository.returned_lines(session, ret.id)
    reason = repository.return_reason(session, ret.id)
    payload = events.goods_returned(
        return_id=ret.id,
        return_number=ret.number,
        po_id=header.id,
        po_number=header.number,
        supplier_id=header.supplier_id,
        warehouse_code=header.warehouse_code,
        returned_at=data["occurred_at"],
        reason=reason,
        lines=returned,
    )
    event_id = record_event(session, GOODS_RETURNED_V1, payload, source=SERVICE_NAME, subject=ret.number)
    repository.mark_return_completed(
        session,
        ret.id,
        returned_at=data["occurred_at"],
        answered_at=utcnow(),
        currency=data["currency"],
        total_value=data["total_value"],
        issued=data["lines"],
        returned_event_id=event_id,
    )


def on_supplier_return_rejected(session: Session, event: Event) -> None:
    """requested -> refused with inventory's reason; the quantities become returnable again."""
    answered = _answered(session, event)
    if answered is None:
        return
    header, po, ret = answered
    data: Any = event.data
    po.give_back_return(ret.quantities)
    repository.subtract_returned_quantities(session, header.id, ret.quantities)
    repository.mark_return_refused(
        session, ret.id, answered_at=utcnow(), code=data["reason_code"], reason=data["reason"]
    )
    _log.info("return %s refused by inventory: %s %s", ret.number, data["reason_code"], data["reason"])
