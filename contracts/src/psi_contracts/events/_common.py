"""Field helpers shared by the per-producer event modules.

Kept in one place so every event spells money, quantities, times and line numbers the same way, which is what
lets a consumer treat ``quantity`` in one event exactly like ``quantity`` in another.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate

from psi_contracts.schema import ContractSchema, DecimalString, StrictInteger, unique_line_numbers

__all__ = [
    "amount",
    "positive",
    "signed",
    "nonzero",
    "optional_text",
    "optional_amount",
    "revision_number",
    "business_time",
    "line_number",
    "line_list",
]


def positive(**kwargs: Any) -> DecimalString:
    """A decimal string strictly greater than zero: moved quantities, exchange rates.

    A zero or negative movement is never a real event; direction is carried by the event type, not the sign.
    """
    return DecimalString(validate=validate.Range(min=0, min_inclusive=False), **kwargs)


def amount(**kwargs: Any) -> DecimalString:
    """A decimal string >= 0: costs, prices, values, accepted or rejected quantities that may be zero."""
    return DecimalString(validate=validate.Range(min=0), **kwargs)


def signed(**kwargs: Any) -> DecimalString:
    """A decimal string of either sign, for figures that report state rather than movement."""
    return DecimalString(**kwargs)


def nonzero(**kwargs: Any) -> DecimalString:
    """A decimal string of either sign but never zero: a correction whose sign is its direction.

    Used where one event type covers both directions (a stock adjustment adds or removes stock); a zero
    movement is still never a real event, so it is refused like in :func:`positive`.
    """
    return DecimalString(validate=_not_zero, **kwargs)


def _not_zero(value: Decimal) -> None:
    if value == 0:
        raise ValidationError("Must not be zero.")


def optional_text(**kwargs: Any) -> fields.String:
    """An optional, nullable string that is non-empty when given; consumers get ``None`` when it is absent.

    "No value" is spelled ``null`` (or left out), never ``""``, so consumers have one case to handle.
    """
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_none", True)
    kwargs.setdefault("load_default", None)
    return fields.String(validate=validate.Length(min=1), **kwargs)


def optional_amount(**kwargs: Any) -> DecimalString:
    """An optional, nullable decimal string >= 0; consumers get ``None`` when it is absent.

    For figures added to a v1 event after it shipped (additive and optional, CHANGELOG rules): a producer that
    knows them always fills them, a consumer must still accept an event without them.
    """
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_none", True)
    kwargs.setdefault("load_default", None)
    return DecimalString(validate=validate.Range(min=0), **kwargs)


def revision_number(**kwargs: Any) -> StrictInteger:
    """An optional document revision, 1-based (absent: ``load_default``, 1 unless the field says otherwise)."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("load_default", 1)
    kwargs.setdefault("allow_none", kwargs["load_default"] is None)
    return StrictInteger(validate=validate.Range(min=1), **kwargs)


def business_time(**kwargs: Any) -> fields.AwareDateTime:
    """A timezone-aware ISO 8601 datetime: when the business fact happened (valid time), not when it was sent.

    Naive datetimes are refused: a warehouse in one zone and a ledger in another cannot agree on a naive time.
    """
    kwargs.setdefault("required", True)
    return fields.AwareDateTime(format="iso", **kwargs)


def line_number(**kwargs: Any) -> StrictInteger:
    """The document line number, 1-based; consumers key per-line effects on it."""
    return StrictInteger(validate=validate.Range(min=1), **kwargs)


def line_list(schema: type[ContractSchema], **kwargs: Any) -> fields.List:
    """A non-empty list of document lines, with unique ``line_no`` when the line has one.

    A document without lines is not an event anyone can act on, so it is refused at the producer.
    """
    kwargs.setdefault("required", True)
    return fields.List(
        fields.Nested(schema),
        validate=[validate.Length(min=1, error="Must contain at least one line."), unique_line_numbers],
        **kwargs,
    )
