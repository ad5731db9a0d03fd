"""The purchase return saga (退货), as pure rules.

Purchasing records a return as ``requested``: its quantities count against the order lines' returnable
quantity at once, so two returns in a row cannot send back the same goods. Inventory answers once:

* ``inventory.SupplierReturnIssued.v1``: the goods left stock -> ``completed``; the quantities are final and
  purchasing announces ``purchasing.GoodsReturned.v1`` (finance raises the debit note from it);
* ``inventory.SupplierReturnRejected.v1``: nothing left stock -> ``refused`` with inventory's reason; the
  quantities are given back to the order lines.

A reply for a return that is no longer ``requested`` changes nothing (the first answer stands). A reply that
contradicts the return itself (another return number, other lines or quantities) is not a business answer but
a defect: applying it would make the two services disagree, so it is refused for an operator to look at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from psi_chassis.decimals import plain


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    COMPLETED = "completed"
    REFUSED = "refused"


@dataclass(frozen=True)
class RequestedReturn:
    """A recorded return as the saga needs it: identity, status, and quantity per order line."""

    id: int
    number: str
    status: str
    request_event_id: str | None
    quantities: Mapping[int, Decimal]


def awaits_reply(status: str) -> bool:
    """Only a requested return takes inventory's answer; a completed or refused one keeps its first answer."""
    return status == ReturnStatus.REQUESTED


def contradiction(ret: RequestedReturn, *, return_number: str, source_event_id: str) -> str | None:
    """Why a reply cannot be about this return (None when it is): another number, or another request event."""
    if return_number != ret.number:
        return f"the reply names {return_number}, but return {ret.id} is {ret.number}"
    if ret.request_event_id is not None and source_event_id != ret.request_event_id:
        return f"the reply answers event {source_event_id}, but {ret.number} was requested by {ret.request_event_id}"
    return None


def issue_mismatch(ret: RequestedReturn, issued: Sequence[tuple[int, Decimal]]) -> str | None:
    """Why issued lines (``(line_no, quantity)``) are not exactly the requested ones (None when they are).

    Inventory issues a return whole or refuses it whole; anything else would leave purchasing and inventory with
    different returned quantities.
    """
    got = dict(issued)
    if len(got) != len(issued) or set(got) != set(ret.quantities):
        return (
            f"{ret.number} asked for lines {sorted(ret.quantities)}, inventory issued lines "
            f"{sorted(ln for ln, _ in issued)}"
        )
    for line_no, quantity in sorted(ret.quantities.items()):
        if got[line_no] != quantity:
            return f"{ret.number} line {line_no}: asked for {plain(quantity)}, inventory issued {plain(got[line_no])}"
    return None
