"""The registry of event types, and the two ways through it: producers encode strictly, consumers decode
tolerantly.

* :func:`encode_data` is what a producer calls (through :func:`psi_contracts.envelope.make_envelope`): Python
  values in, the JSON wire form out, validated against the strict schema so a producer can never put something
  on the bus that the contract does not allow.
* :func:`decode_data` is what a consumer calls: the wire form in, Python values (``Decimal``, aware
  ``datetime``) out, ignoring fields it does not know yet.

One module per producer (:mod:`.purchasing`, :mod:`.inventory`, :mod:`.sales`) holds the schemas; this module
only gathers them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema

from psi_contracts.compiled import Invalid, Loader, NotCompilable, compile_schema
from psi_contracts.events import finance, inventory, purchasing, sales
from psi_contracts.schema import ContractSchema, tolerant
from psi_contracts.topology import producer_of, validate_event_type

__all__ = [
    "EVENT_TYPES",
    "UnknownEventType",
    "producer_schema",
    "consumer_schema",
    "to_wire",
    "encode_data",
    "decode_data",
]


class UnknownEventType(KeyError):
    """The event type is not registered in this version of psi-contracts.

    A ``KeyError`` so that callers looking an event type up like a mapping key can keep catching ``KeyError``.
    A consumer should dead-letter such a message (it cannot be validated), not drop it.
    """

    def __init__(self, event_type: object) -> None:
        super().__init__(event_type)
        self.event_type = event_type

    def __str__(self) -> str:  # KeyError's default str() is the repr of the key, which reads badly in logs
        return f"unknown event type {self.event_type!r} (not registered in psi_contracts.events.EVENT_TYPES)"


def _build_registry() -> dict[str, type[ContractSchema]]:
    registry: dict[str, type[ContractSchema]] = {}
    for module, producer in (
        (purchasing, "purchasing"),
        (inventory, "inventory"),
        (sales, "sales"),
        (finance, "finance"),
    ):
        for event_type, schema_cls in module.EVENTS.items():
            validate_event_type(event_type)
            # The routing key picks the exchange; an event filed under the wrong producer would be unroutable.
            if producer_of(event_type) != producer:
                raise RuntimeError(f"{event_type} is declared in events/{producer}.py")
            if event_type in registry:
                raise RuntimeError(f"{event_type} is registered twice")
            registry[event_type] = schema_cls
    return registry


EVENT_TYPES: dict[str, type[ContractSchema]] = _build_registry()
"""Every event type PSI publishes, mapped to its strict producer schema."""


def _schema_class(event_type: str) -> type[ContractSchema]:
    try:
        return EVENT_TYPES[event_type]
    except (KeyError, TypeError):
        raise UnknownEventType(event_type) from None


@functools.cache
def producer_schema(event_type: str) -> Schema:
    """The strict schema instance for ``event_type`` (cached: building marshmallow schemas is not free)."""
    return _schema_class(event_type)()


@functools.cache
def consumer_schema(event_type: str) -> Schema:
    """The tolerant schema instance for ``event_type``: unknown fields are dropped at every depth."""
    return tolerant(_schema_class(event_type))()


@functools.cache
def _fast_loader(event_type: str, strict: bool) -> Loader | None:
    """The compiled twin of the producer (``strict``) or consumer schema, or None where marshmallow must do it."""
    try:
        return compile_schema(_schema_class(event_type), strict=strict)
    except NotCompilable:
        return None


def load_data(event_type: str, wire: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    """Validate wire ``data`` and return Python values: the compiled schema first, marshmallow for the error.

    The compiled function accepts exactly what the schema accepts (the contract tests prove it value by value);
    when it refuses, marshmallow runs to raise the complete ``ValidationError`` (and, should the two ever
    disagree, marshmallow's answer is the one that counts).
    """
    fast = _fast_loader(event_type, strict)
    if fast is not None:
        try:
            return fast(wire)
        except Invalid:
            pass
    schema = producer_schema(event_type) if strict else consumer_schema(event_type)
    loaded: dict[str, Any] = schema.load(wire)
    return loaded


def to_wire(value: Any) -> Any:
    """Convert Python values to their JSON wire form, recursively.

    ``Decimal`` -> plain-notation string (``Decimal("1E+2")`` -> ``"100"``), ``datetime`` -> ISO 8601
    string (offset kept as given; a naive datetime stays naive and is then refused by the schema), ``date`` ->
    ISO date, ``UUID`` -> string; mappings and lists/tuples are walked. Floats are left alone on purpose, so
    the schema can refuse them for money and quantities instead of the float being silently turned into an
    inexact string.
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common leaves first: exact type checks are far cheaper than isinstance on ABCs
    if kind is decimal.Decimal:
        return format(value, "f")
    if kind is dict or isinstance(value, Mapping):
        return {str(k): to_wire(v) for k, v in value.items()}
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_data(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``data`` for ``event_type`` with the strict producer schema and return its JSON wire form.

    Returns the converted input (see :func:`to_wire`), not marshmallow's loaded result, so what is published
    is exactly what was validated, field for field. Raises :class:`UnknownEventType` for an unregistered type
    and ``marshmallow.ValidationError`` for anything the contract does not allow (unknown fields included).
    """
    wire = to_wire(data)
    load_data(event_type, wire, strict=True)
    return wire


def decode_data(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate wire ``data`` tolerantly and return Python values (``Decimal``, aware ``datetime``).

    Unknown fields, at the top level or inside lines, are dropped: a producer may add optional fields within a
    major version before this consumer upgrades. Raises :class:`UnknownEventType` or
    ``marshmallow.ValidationError``.
    """
    return load_data(event_type, data, strict=False)
