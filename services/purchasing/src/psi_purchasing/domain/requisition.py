"""Requisitions (采购申请) as pure rules: statuses, the transitions between them, who approves, numbering.

A requisition goes draft -> (submit) submitted -> approved / rejected, or straight to approved when its estimate
is in the automatic tier (domain/estimate.py); cancel works from draft or submitted, and only a draft can be
changed. Conversion (domain/conversion.py) moves a fully ordered one to converted. The role that must approve is
fixed at submission; rows submitted before it was kept fall back to the tiers of today.

A replenishment draft (``source = replenishment``) holds ``replenish_key = "sku|warehouse"`` while it is an
open draft; submitting or cancelling it clears the key, so the next low-stock crossing may raise a new draft.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psi_chassis.replica import warehouse_problem
from psi_purchasing.domain.approval import DEFAULT_TIERS, DocumentType, Tier, tier_for
from psi_purchasing.domain.commands import Actor
from psi_purchasing.domain.errors import InvalidStatus, RuleViolation
from psi_purchasing.domain.estimate import Estimate

DOCUMENT_TYPE = DocumentType.REQUISITION.value
#: Who raises replenishment drafts and approves within the automatic tier.
SYSTEM = "system"
SYSTEM_ACTOR = Actor(SYSTEM, SYSTEM, frozenset())
#: The reason logged when a submission lands in the automatic tier.
AUTOMATIC_APPROVAL = "automatic: within the first approval tier"


class RequisitionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONVERTED = "converted"
    CANCELLED = "cancelled"


class RequisitionSource(StrEnum):
    MANUAL = "manual"
    REPLENISHMENT = "replenishment"


_D, _S = RequisitionStatus.DRAFT, RequisitionStatus.SUBMITTED
#: action -> (statuses it is allowed from, status it leads to; None: decided by the approval tier)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "edit": (frozenset({_D}), _D),
    "submit": (frozenset({_D}), None),
    "approve": (frozenset({_S}), RequisitionStatus.APPROVED),
    "reject": (frozenset({_S}), RequisitionStatus.REJECTED),
    "cancel": (frozenset({_D, _S}), RequisitionStatus.CANCELLED),
}

_PAST = {
    "edit": "changed",
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "cancel": "cancelled",
}


def check_transition(status: str, action: str) -> str | None:
    """The status ``action`` leads to from ``status``; raises 409 INVALID_STATUS when it is not allowed."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise InvalidStatus(
            f"a {status} requisition cannot be {_PAST[action]}; only " + " or ".join(sorted(allowed)) + " ones can"
        )
    return target


def required_role(tiers: Sequence[Tier], amount: Decimal) -> str | None:
    """The role that must approve ``amount`` (None: automatic), by the configured tiers or the
    default ones."""
    return tier_for(tiers or DEFAULT_TIERS, amount).approver_role


def fixed_approver_role(fixed: str | None, tiers: Sequence[Tier], amount: Decimal) -> str | None:
    """The role fixed when it was submitted; rows submitted before it was kept: the tiers of today."""
    return str(fixed) if fixed is not None else required_role(tiers, amount)


def incomplete_note(result: Estimate) -> str | None:
    """What the submission log says about lines the estimate could not price (None: it priced them all)."""
    return None if result.complete else "estimate incomplete: " + "; ".join(result.unpriced)


def requisition_number(requisition_id: int) -> str:
    return f"REQ-{requisition_id:06d}"


def replenish_key(sku: str, warehouse_code: str) -> str:
    return f"{sku}|{warehouse_code}"


def _raise_line_errors(errors: dict[str, Any], codes: list[str], message: str) -> None:
    if errors:
        raise RuleViolation(f"{len(errors)} requisition line(s) {message}", code=codes[0], errors={"lines": errors})


def check_lines(
    lines: Sequence[Mapping[str, Any]],
    items: Mapping[str, bool],
    warehouses: Mapping[str, bool],
    suppliers: Collection[int],
) -> None:
    """Every SKU and warehouse known and active in the replicas (``{key: active}``), every preferred supplier
    one of ``suppliers``; else 422 naming the lines, with the code of the first problem found."""
    errors: dict[str, dict[str, list[str]]] = {}
    codes: list[str] = []
    for index, line in enumerate(lines):
        sku = line["sku"]
        if sku not in items:
            errors.setdefault(str(index), {})["sku"] = [f"unknown SKU {sku!r}"]
            codes.append("UNKNOWN_SKU")
        elif not items[sku]:
            errors.setdefault(str(index), {})["sku"] = [f"SKU {sku!r} is inactive"]
            codes.append("INACTIVE_SKU")
        problem = warehouse_problem(warehouses, line["warehouse_code"])
        if problem is not None:
            errors.setdefault(str(index), {})["warehouse_code"] = [problem[1]]
            codes.append(problem[0])
        supplier_id = line.get("preferred_supplier_id")
        if supplier_id is not None and supplier_id not in suppliers:
            errors.setdefault(str(index), {})["preferred_supplier_id"] = [f"supplier {supplier_id} does not exist"]
            codes.append("SUPPLIER_NOT_FOUND")
    if errors:
        _raise_line_errors(errors, codes, f"cannot be accepted ({codes[0]})")


def check_warehouses(warehouse_codes: Sequence[str], warehouses: Mapping[str, bool]) -> None:
    """At submission: every line's warehouse still active in the replica (it may have been closed since)."""
    errors: dict[str, Any] = {}
    codes: list[str] = []
    for index, code in enumerate(warehouse_codes):
        problem = warehouse_problem(warehouses, code)
        if problem is not None:
            errors[str(index)] = {"warehouse_code": [problem[1]]}
            codes.append(problem[0])
    _raise_line_errors(errors, codes, "name a warehouse that cannot take orders")
