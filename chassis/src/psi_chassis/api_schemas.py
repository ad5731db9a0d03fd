"""Request and response pieces every API shares: pagination and strict request bodies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

MAX_PAGE_SIZE = 200
#: Deep enough for any real listing; a bound keeps OFFSET inside the database's integer range.
MAX_PAGE = 100_000


class StrictSchema(Schema):
    """Request bodies reject unknown fields so a client's typo is an error, not silently ignored data."""

    class Meta:
        unknown = RAISE


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page envelope ``{items, page, page_size, total}`` around ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "page_size": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
        name=name,
    )


def page_of(items: list[Any], args: dict[str, Any], total: int) -> dict[str, Any]:
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}


def money() -> fields.Decimal:
    """A decimal rendered as a string on the way out: money and quantities never travel as floats."""
    return fields.Decimal(as_string=True, required=True, metadata={"type": "string", "format": "decimal"})


#: The largest money amount or quantity a request may carry (the ledgers hold far more; no SME needs it).
MAX_AMOUNT = Decimal(10) ** 12
_PLAIN_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
POSITIVE, NON_NEGATIVE, NON_ZERO = "> 0", ">= 0", "!= 0"


class DecimalString(fields.Decimal):
    """A request decimal: a JSON string in plain notation, at most six decimal places, below MAX_AMOUNT in size.

    ``sign`` is ``"> 0"``, ``">= 0"`` or ``"!= 0"`` (a signed correction). Checked here rather than by
    ``validate.Range`` so the OpenAPI description says ``type: string`` without a numeric bound beside it, and
    JSON numbers are refused: money and quantities never travel as floats.
    """

    default_error_messages = {
        "not_string": 'Must be a decimal string such as "12.5"; money and quantities are never JSON numbers.',
        "format": 'Must be a plain decimal string such as "12.5", got {input!r}.',
        "places": "Must have at most 6 decimal places.",
        "too_large": f"Must be less than {MAX_AMOUNT} in size.",
        "not_positive": "Must be greater than 0.",
        "negative": "Must be greater than or equal to 0.",
        "zero": "Must not be zero.",
    }

    def __init__(self, *, sign: str, **kwargs: Any) -> None:
        if sign not in (POSITIVE, NON_NEGATIVE, NON_ZERO):
            raise ValueError(f"sign must be one of {POSITIVE!r}, {NON_NEGATIVE!r}, {NON_ZERO!r}")
        self.sign = sign
        kwargs["metadata"] = {
            "type": "string",
            "format": "decimal",
            "pattern": _PLAIN_DECIMAL.pattern,
            "description": f"Decimal string {sign}, at most 6 decimal places.",
            **kwargs.get("metadata", {}),
        }
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        if not isinstance(value, str):
            raise self.make_error("not_string")
        if not _PLAIN_DECIMAL.match(value):
            raise self.make_error("format", input=value)
        whole, _, fraction = value.lstrip("-").partition(".")
        if len(fraction.rstrip("0")) > 6:
            raise self.make_error("places")
        if len(whole.lstrip("0")) > 13:  # a cheap bound before Decimal arithmetic on a huge string
            raise self.make_error("too_large")
        number = Decimal(value)
        if abs(number) >= MAX_AMOUNT:
            raise self.make_error("too_large")
        if self.sign == POSITIVE and number <= 0:
            raise self.make_error("not_positive")
        if self.sign == NON_NEGATIVE and number < 0:
            raise self.make_error("negative")
        if self.sign == NON_ZERO and number == 0:
            raise self.make_error("zero")
        return number


MAX_LINES = 500


def line_list(schema: type[Schema], *, max_lines: int = MAX_LINES, **kwargs: Any) -> fields.List:
    """A document's lines in a request body: one to ``max_lines`` nested ``schema`` objects."""
    kwargs.setdefault("required", True)
    return fields.List(
        fields.Nested(schema),
        validate=validate.Length(min=1, max=max_lines, error="Must have between {min} and {max} lines."),
        **kwargs,
    )


#: Names, codes and reasons are never blank and never start or end with whitespace (a newline included). A
#: pattern rather than a function, so the OpenAPI description carries it too.
trimmed = validate.Regexp(r"^\S(.*\S)?$", flags=re.DOTALL, error="Must not be blank or start or end with spaces.")
