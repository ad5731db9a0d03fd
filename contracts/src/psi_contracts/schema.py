"""Base schema and field types shared by every PSI contract.

Two readings of one contract, as DESIGN.md §3 asks:

* **Producers are strict.** :class:`ContractSchema` raises on unknown fields, so a producer that emits a field
  nobody declared fails in its own tests instead of leaking an undocumented field onto the bus.
* **Consumers are tolerant.** :func:`tolerant` derives a copy of a schema that silently drops unknown fields
  at every depth, so a producer may add an optional field (allowed within a major version) without breaking
  consumers that have not upgraded yet.

marshmallow's ``unknown`` option applies to one schema only: it does not propagate into ``Nested`` fields.
That is why :func:`tolerant` rebuilds the nested schemas too instead of simply passing ``unknown=EXCLUDE`` to
``load``.
"""

from __future__ import annotations

import copy
import decimal
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, class_registry, fields, validate

__all__ = [
    "ContractSchema",
    "DecimalString",
    "StrictInteger",
    "StrictBoolean",
    "tolerant",
    "text",
    "currency_code",
    "unique_line_numbers",
]


class ContractSchema(Schema):
    """Base class of every contract schema: unknown fields are an error (producers are strict)."""

    class Meta:
        unknown = RAISE


_DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class DecimalString(fields.Decimal):
    """A decimal that must travel as a JSON string in plain notation, e.g. ``"12.5000"``.

    Money and quantities are never floats on the wire: a binary float cannot hold ``0.1`` exactly, and a JSON
    number may be read as a float by any consumer in any language. marshmallow's own ``Decimal`` field
    happily accepts numbers, so this field refuses anything but a string, and refuses exponent notation and
    NaN/Infinity too, so every consumer can parse the value with the simplest decimal parser it has. Loads to
    :class:`decimal.Decimal`; dumps to a string.
    """

    default_error_messages = {
        "not_string": 'Must be a decimal string such as "12.5000", not {type} ({input!r}); '
        "money and quantities never travel as JSON numbers.",
        "format": "Must be a plain decimal string such as \"12.5000\" (digits, optional '-' and '.'), got {input!r}.",
    }

    def __init__(self, *, places: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("required", True)
        super().__init__(places=places, as_string=True, allow_nan=False, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> decimal.Decimal:
        if not isinstance(value, str):
            raise self.make_error("not_string", type=type(value).__name__, input=value)
        if not _DECIMAL_RE.fullmatch(value):
            raise self.make_error("format", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictInteger(fields.Integer):
    """A JSON integer: refuses strings (``"1"``), floats (``1.0``) and booleans (``true``).

    marshmallow's ``Integer(strict=True)`` still lets ``true`` through because ``bool`` is an ``int`` in
    Python; a line number of ``true`` is a producer bug worth catching.
    """

    default_error_messages = {"not_integer": "Must be a JSON integer, not {type} ({input!r})."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", True)
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("not_integer", type=type(value).__name__, input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON boolean: refuses the strings and numbers marshmallow's ``Boolean`` takes for one.

    marshmallow reads ``"yes"``, ``"0"``, ``1`` and the like as booleans; on the bus a flag is ``true`` or
    ``false`` and nothing else, so every consumer in every language reads it the same way.
    """

    default_error_messages = {
        "not_boolean": "Must be a JSON boolean (true or false), not {type} ({input!r}).",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", True)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("not_boolean", type=type(value).__name__, input=value)
        return value


def text(**kwargs: Any) -> fields.String:
    """A required, non-empty string: identifiers and codes are never blank."""
    kwargs.setdefault("required", True)
    kwargs.setdefault("validate", validate.Length(min=1))
    return fields.String(**kwargs)


def currency_code(**kwargs: Any) -> fields.String:
    """An ISO 4217 style three-letter upper-case currency code (``"CNY"``, ``"USD"``)."""
    kwargs.setdefault("required", True)
    return fields.String(
        validate=validate.Regexp(r"^[A-Z]{3}$", error="Must be a three-letter upper-case currency code."),
        **kwargs,
    )


def unique_line_numbers(lines: list[Mapping[str, Any]]) -> None:
    """Reject a document whose lines repeat a ``line_no``.

    Consumers key their effects by (event id, line number), e.g. one stock move per received line; a repeated
    number would make the second line look like a duplicate and be silently dropped.
    """
    seen: set[int] = set()
    for line in lines:
        line_no = line.get("line_no") if isinstance(line, Mapping) else None
        if line_no is None:
            continue
        if line_no in seen:
            raise ValidationError(f"line_no {line_no} appears more than once.")
        seen.add(line_no)


# ------------------------------------------------------------------------------------------------------------
# tolerant (consumer) schemas
# ------------------------------------------------------------------------------------------------------------

_NestedSpec = type[Schema] | Schema | str | dict[str, Any] | Callable[[], Any]


def _resolve_nested(spec: _NestedSpec) -> Schema | type[Schema]:
    """Turn whatever a ``Nested`` field was declared with into a schema class or instance."""
    if callable(spec) and not isinstance(spec, type) and not isinstance(spec, Schema):
        spec = spec()
    if isinstance(spec, dict):
        return Schema.from_dict(spec)
    if isinstance(spec, str | bytes):
        resolved = class_registry.get_class(spec, all=False)
        assert isinstance(resolved, type)
        return resolved
    if isinstance(spec, Schema) or (isinstance(spec, type) and issubclass(spec, Schema)):
        return spec
    raise TypeError(f"cannot make a tolerant schema from Nested({spec!r})")


def _tolerant_nested_spec(spec: _NestedSpec) -> Callable[[], Schema | type[Schema]]:
    """A lazy ``Nested`` target returning the tolerant twin of ``spec``.

    Lazy so that self-referencing or mutually recursive schemas do not recurse forever while the tolerant
    class is being built; marshmallow calls it on first use.
    """

    def build() -> Schema | type[Schema]:
        target = _resolve_nested(spec)
        if isinstance(target, Schema):
            return tolerant(type(target))(
                only=target.only,
                exclude=target.exclude,
                many=target.many,
                partial=target.partial,
                load_only=target.load_only,
                dump_only=target.dump_only,
            )
        return tolerant(target)

    return build


def _tolerant_field(field: fields.Field) -> fields.Field | None:
    """A copy of ``field`` whose nested schemas are tolerant, or ``None`` when the field nests nothing."""
    if isinstance(field, fields.Nested):
        new_nested = copy.copy(field)
        new_nested.nested = _tolerant_nested_spec(field.nested)
        new_nested._schema = None  # drop any cached strict schema instance
        # An explicit Nested(unknown=RAISE) would override the nested schema's Meta; consumers never raise.
        new_nested.unknown = EXCLUDE
        return new_nested
    if isinstance(field, fields.List):
        inner = _tolerant_field(field.inner)
        if inner is None:
            return None
        new_list = copy.copy(field)
        new_list.inner = inner
        return new_list
    if isinstance(field, fields.Tuple):
        replaced = [_tolerant_field(f) for f in field.tuple_fields]
        if all(r is None for r in replaced):
            return None
        new_tuple = copy.copy(field)
        new_tuple.tuple_fields = [r if r is not None else f for r, f in zip(replaced, field.tuple_fields, strict=True)]
        return new_tuple
    if isinstance(field, fields.Dict) and field.value_field is not None:
        value_field = _tolerant_field(field.value_field)
        if value_field is None:
            return None
        new_dict = copy.copy(field)
        new_dict.value_field = value_field
        return new_dict
    return None


@functools.cache
def tolerant(schema_cls: type[Schema]) -> type[Schema]:
    """Return the consumer twin of ``schema_cls``: unknown fields are dropped at every level of nesting.

    The result is a subclass, so validators, hooks and field options of the producer schema all still apply;
    only the handling of unknown fields differs. Cached, so every consumer shares one class per schema and
    ``tolerant(X) is tolerant(X)``.
    """
    if not (isinstance(schema_cls, type) and issubclass(schema_cls, Schema)):
        raise TypeError(f"tolerant() needs a Schema subclass, got {schema_cls!r}")

    base_meta = getattr(schema_cls, "Meta", object)
    meta = type("Meta", (base_meta,), {"unknown": EXCLUDE})
    namespace: dict[str, Any] = {
        "Meta": meta,
        "__module__": schema_cls.__module__,
        "__qualname__": f"Tolerant{schema_cls.__qualname__}",
        "__doc__": f"Tolerant reading of :class:`{schema_cls.__qualname__}`: unknown fields are dropped.",
    }
    for name, field in schema_cls._declared_fields.items():
        replaced = _tolerant_field(field)
        if replaced is not None:
            namespace[name] = replaced
    return type(f"Tolerant{schema_cls.__name__}", (schema_cls,), namespace)
