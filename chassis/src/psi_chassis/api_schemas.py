"""Request and response pieces every API shares: pagination, strict request bodies and the text rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.decimals import MAX_AMOUNT
from psi_chassis.jsonbody import install_strict_parser

# Every API module imports this one for its schemas before it decorates a route: flask-smorest's argument
# parser becomes the strict JSON loader's (see psi_chassis.jsonbody.install_strict_parser).
install_strict_parser()

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


def filters_of(args: dict[str, Any]) -> dict[str, Any]:
    """A list route's query arguments without its page number and size: the filters to hand to the query."""
    return {name: value for name, value in args.items() if name not in ("page", "page_size")}


def page_of(items: list[Any], args: dict[str, Any], total: int) -> dict[str, Any]:
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}


def money() -> fields.Decimal:
    """A decimal rendered as a string on the way out: money and quantities never travel as floats."""
    return fields.Decimal(as_string=True, required=True, metadata={"type": "string", "format": "decimal"})


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


# What no name, code or reason may contain anywhere: C0 and C1 control characters (a newline included), the
# bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source" text that
# displays in another order than it reads) and the line and paragraph separators (U+2028, U+2029).
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
_FORBIDDEN = r"\u2028\u2029\u202a-\u202e\u2066-\u2069"
# What may not stand at either end (nor, so, make up the whole value): whitespace and the zero-width characters
# (U+200B-U+200D, U+2060, U+FEFF), so a name made only of a zero-width space is blank.
_INVISIBLE = r"\s\u200b-\u200d\u2060\ufeff"
_EDGE = f"[^{_INVISIBLE}{_CONTROLS}{_FORBIDDEN}]"


def _one_text(inner: str) -> str:
    return f"^{_EDGE}(?:[^{inner}{_FORBIDDEN}]*{_EDGE})?$"


class WholeText(validate.Regexp):
    """A pattern the whole value must match. (``Regexp`` uses ``re.match``, whose ``$`` also matches before a
    final newline, so "Acme\\n" would pass; ``fullmatch`` does not.) The OpenAPI description carries the
    pattern, where ``$`` means the end of the text."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


#: Names, codes and short reasons: one line of visible text. Never blank, never starting or ending with
#: whitespace or an invisible character, no control character, bidirectional control or line separator
#: anywhere. Text is already NFC-normalised by the JSON loader (psi_chassis.jsonbody). A pattern rather than a
#: function, so the OpenAPI description carries the rule too.
trimmed = WholeText(
    _one_text(_CONTROLS),
    error="Must be one line of visible text: not blank, no spaces or invisible characters at the start or end, "
    "no control characters, line separators or bidirectional controls.",
)
#: Free text (a reason, a note) that may run over several lines: like :data:`trimmed`, except that tabs and
#: line breaks (TAB, LF, CR) are allowed inside it.
trimmed_text = WholeText(
    _one_text(r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"),
    error="Must be visible text: not blank, no spaces or invisible characters at the start or end, no control "
    "characters other than tabs and line breaks, no line separators or bidirectional controls.",
)

#: The longest free text a person writes on a document: a note, or why it was approved, rejected or cancelled.
MAX_TEXT_LENGTH = 1000


def reason_field(*, required: bool = False) -> fields.String:
    """Why a person acted on a document. Required: visible text (:data:`trimmed_text`); optional: may be null."""
    if required:
        return fields.String(required=True, validate=[validate.Length(min=1, max=MAX_TEXT_LENGTH), trimmed_text])
    return fields.String(validate=validate.Length(min=1, max=MAX_TEXT_LENGTH), allow_none=True, load_default=None)


def note_field(*, patch: bool = False) -> fields.String:
    """A free note on a document or a line; may be empty or null. In a PATCH (``patch``) it has no default, so a
    change that does not name the note leaves it as it is."""
    if patch:
        return fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT_LENGTH))
    return fields.String(allow_none=True, load_default=None, validate=validate.Length(max=MAX_TEXT_LENGTH))


#: A currency: ISO 4217's three upper-case letters.
currency_code = WholeText(r"^[A-Z]{3}$", error="Must be a three-letter upper-case currency code.")
#: A master-data code (supplier, customer, class): what clerks type and documents print.
master_code = WholeText(r"^[A-Z0-9_-]{1,32}$", error="Must be 1-32 characters of A-Z, 0-9, '_' or '-'.")


def strict_int(**kwargs: Any) -> fields.Integer:
    """An integer that must be a JSON integer: ``"7"`` and ``7.0`` are refused, not coerced."""
    return fields.Integer(strict=True, **kwargs)


def text_field(max_length: int, **kwargs: Any) -> fields.String:
    """One line of visible text (:data:`trimmed`) of 1 to ``max_length`` characters."""
    return fields.String(validate=[validate.Length(min=1, max=max_length), trimmed], **kwargs)


def optional_money() -> fields.Decimal:
    """A decimal string on the way out that may be ``null``."""
    return fields.Decimal(
        as_string=True, required=True, allow_none=True, metadata={"type": "string", "format": "decimal"}
    )


class AtLeastOne(StrictSchema):
    """A PATCH body: strict, and not empty (an empty change is a client's mistake, not a no-op)."""

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")
