"""Converting approved requisitions into draft purchase orders, as pure rules.

* The caller picks the supplier per line; **one order per (supplier, warehouse, currency)**, the currency being
  the supplier's, so one requisition's lines may split across suppliers and lines of several requisitions merge
  into one order. Groups keep the order of the request, and so do the lines inside a group.
* A line's quantity defaults to what is still open on it, after what earlier lines of the same request took;
  more than is open (or nothing) is 409 OVER_ORDERED.
* Only approved requisitions convert (409 REQUISITION_NOT_APPROVED).
* An order's ``expected_date`` is the earliest ``needed_by`` of its lines; its department is the requisitions'
  one when they all share it, else none (the order is then not budgeted).
* A warehouse override replaces every line's warehouse; the warehouse of each order must be active in the
  replica. An order in a foreign currency takes the rate given for its currency, else finance's rate for the
  day; without a table rate the given rate is required and must lie inside the currency's band (domain/fx.py).

Problems of the groups are collected, not raised one by one, so the caller sees every one of them at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ONE, ZERO, plain, q6
from psi_chassis.errors import add_error
from psi_chassis.replica import warehouse_problem
from psi_purchasing.domain.commands import ConvertLine
from psi_purchasing.domain.errors import OverOrdered, RequisitionNotApproved, RuleViolation
from psi_purchasing.domain.fx import OrderRate, RateBand, order_rate

#: Where a group's problem code is collected among the field errors until the conversion is refused.
CODE_KEY = "_codes"

GroupKey = tuple[int, str, str]


@dataclass(frozen=True)
class OpenLine:
    """A requisition line as conversion sees it (with its requisition's department)."""

    id: int
    requisition_id: int
    sku: str
    warehouse_code: str
    quantity: Decimal
    ordered_quantity: Decimal
    needed_by: date | None
    department: str


def line_error(errors: dict[str, Any], index: int, name: str, message: str) -> None:
    add_error(errors, "lines", message, index, name)


def ensure_approved(status: str, number: str) -> None:
    if status != "approved":
        raise RequisitionNotApproved(f"requisition {number} is {status}; only an approved one converts")


def quantities_to_order(
    lines: Sequence[ConvertLine], open_lines: Mapping[int, OpenLine]
) -> tuple[list[Decimal], dict[int, Decimal]]:
    """The quantity of each requested line, and the total taken per requisition line; 409 OVER_ORDERED when a
    line asks for nothing or more than is open after the earlier lines of this request."""
    taken: dict[int, Decimal] = defaultdict(lambda: ZERO)
    quantities: list[Decimal] = []
    for i, ln in enumerate(lines):
        row = open_lines[ln.requisition_line_id]
        remaining = row.quantity - row.ordered_quantity - taken[row.id]
        quantity = remaining if ln.quantity is None else q6(ln.quantity)
        if quantity <= ZERO or quantity > remaining:
            raise OverOrdered(
                f"requisition line {row.id} asks for {plain(row.quantity)}, "
                f"{plain(row.ordered_quantity)} already "
                f"ordered: {plain(max(remaining, ZERO))} can still be ordered",
                errors={"lines": {str(i): {"quantity": [f"at most {plain(max(remaining, ZERO))}"]}}},
            )
        taken[row.id] += quantity
        quantities.append(quantity)
    return quantities, dict(taken)


def group_lines(
    lines: Sequence[ConvertLine],
    open_lines: Mapping[int, OpenLine],
    currencies: Mapping[int, str],
    warehouse_override: str | None,
) -> dict[GroupKey, list[int]]:
    """``{(supplier, warehouse, currency): [indexes of the request's lines]}``, in the request's order."""
    groups: dict[GroupKey, list[int]] = {}
    for i, ln in enumerate(lines):
        warehouse = warehouse_override or open_lines[ln.requisition_line_id].warehouse_code
        groups.setdefault((ln.supplier_id, warehouse, currencies[ln.supplier_id]), []).append(i)
    return groups


def order_header(members: Sequence[OpenLine]) -> tuple[date | None, str | None]:
    """(expected date, department) of the order made of these lines."""
    departments = {m.department for m in members}
    needed = [m.needed_by for m in members if m.needed_by is not None]
    return (min(needed) if needed else None), (departments.pop() if len(departments) == 1 else None)


def warehouse_takes_orders(
    errors: dict[str, Any], stores: Mapping[str, bool], warehouse: str, members: Sequence[int], overridden: bool
) -> bool:
    """False (with the error on ``warehouse_code`` or on each line) unless the replica holds it as active."""
    problem = warehouse_problem(stores, warehouse)
    if problem is None:
        return True
    if overridden:
        errors["warehouse_code"] = [problem[1]]
    else:
        for i in members:
            line_error(errors, i, "warehouse_code", problem[1])
    errors.setdefault(CODE_KEY, problem[0])
    return False


def group_rate(
    errors: dict[str, Any],
    currency: str,
    base_currency: str,
    rates: Mapping[str, Decimal],
    members: Sequence[int],
    bands: Mapping[str, RateBand],
    table_rates: Mapping[str, Decimal],
) -> OrderRate | None:
    """The rate of one order (domain/fx.order_rate): 1 in the base currency; else the one given in ``rates``
    (checked against finance's rate for the day in ``table_rates``, or against its band where the table has
    none), or finance's rate when none is given. None with the errors collected otherwise."""
    if currency == base_currency:
        return OrderRate(ONE)
    if currency not in rates and currency not in table_rates:
        for i in members:
            line_error(
                errors,
                i,
                "supplier_id",
                f"the supplier bills in {currency} and finance's table has no rate for it today: "
                f"give exchange_rates.{currency}",
            )
        return None
    try:
        return order_rate(
            currency,
            rates.get(currency),
            base=base_currency,
            table_rate=table_rates.get(currency),
            bands=bands,
            field=currency,
        )
    except RuleViolation as exc:
        errors.setdefault("exchange_rates", {}).update(exc.errors or {})
        errors.setdefault(CODE_KEY, exc.code)
        return None


def collect_line_errors(errors: dict[str, Any], exc: RuleViolation) -> None:
    """Keep a group's refused lines (already numbered by their index in the request) among the errors."""
    for key, value in (exc.errors or {}).get("lines", {}).items():
        errors.setdefault("lines", {})[key] = value
    errors.setdefault(CODE_KEY, exc.code)


def raise_if_any(errors: dict[str, Any]) -> None:
    """422 with every collected problem, coded with the first group's code (if one had any)."""
    if errors:
        code = errors.pop(CODE_KEY, None)
        raise RuleViolation("the conversion is not valid; see errors", code=code, errors=errors)
