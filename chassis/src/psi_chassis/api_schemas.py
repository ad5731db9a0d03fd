"""Request and response pieces every API shares: pagination and strict request bodies."""

from __future__ import annotations

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
