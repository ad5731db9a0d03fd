"""Who may change a requisition (采购申请): its requester, or someone whose job is to handle other people's.

* A requester (purchaser, warehouse, sales ...) edits, submits and cancels only the requisitions they created.
* A purchasing_manager or an admin may do so for any requisition.
* Replenishment drafts belong to nobody in particular (the system raised them from low stock): purchasing's
  buyers (purchaser, purchasing_manager, admin) handle them.

Approving and rejecting are not covered here: they follow the approval tiers and the four-eyes rule.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from psi_purchasing.domain.errors import NotRequisitionOwner

MANAGERS = frozenset({"admin", "purchasing_manager"})
BUYERS = MANAGERS | {"purchaser"}
REPLENISHMENT = "replenishment"


@dataclass(frozen=True)
class Owner:
    """Who a requisition belongs to: the requester's user id (None on rows from before it was kept) and name."""

    user_id: str | None
    username: str
    source: str


def may_change(owner: Owner, actor_id: str, actor_name: str, roles: Collection[str]) -> bool:
    if MANAGERS & set(roles):
        return True
    if owner.source == REPLENISHMENT:
        return bool(BUYERS & set(roles))
    if owner.user_id is not None:
        return owner.user_id == actor_id
    return owner.username == actor_name


def ensure_may_change(
    owner: Owner, actor_id: str, actor_name: str, roles: Collection[str], *, action: str, number: str
) -> None:
    """403 NOT_REQUISITION_OWNER unless :func:`may_change`."""
    if not may_change(owner, actor_id, actor_name, roles):
        whose = "a replenishment draft" if owner.source == REPLENISHMENT else f"{owner.username}'s requisition"
        raise NotRequisitionOwner(
            f"{number} is {whose}: only its requester, a purchasing_manager or an admin may {action} it"
        )
