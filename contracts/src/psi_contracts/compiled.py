"""Contract schemas compiled into plain functions: the same rules as marshmallow, at a fraction of the cost.

A consumer validates every message and a producer every event it emits, so the contract check sits on the
hottest path PSI has. marshmallow builds error stores, walks hooks and dispatches through several layers per
field; for the ~20 fields of an event that costs about 50 µs a decode and 140 µs an envelope. This module reads
each schema *once* (its declared fields, their validators and its schema-level validators) and returns a closure
that checks and converts a document in one pass.

The marshmallow schemas stay the one definition of every contract: nothing here spells a rule of its own, it only
runs the rules the schemas declare. The compiled function answers the question "is this valid, and what does it
load to?" for valid input; on the first problem it raises :class:`Invalid`, and the caller runs marshmallow to
produce the exact, complete error message. The contract tests check, field by field and value by value, that the
two never disagree. A schema using a feature this compiler does not know is refused at compile time
(:class:`NotCompilable`), and callers then simply keep using marshmallow for it.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, utils, validate
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from psi_contracts.schema import _DECIMAL_RE, DecimalString, StrictBoolean, StrictInteger

__all__ = ["Invalid", "NotCompilable", "Loader", "compile_schema"]

Loader = Callable[[Any], dict[str, Any]]
_Check = Callable[[Any], Any]


class Invalid(Exception):
    """The document breaks a rule; ask marshmallow for the full error."""


class NotCompilable(TypeError):
    """The schema uses something this compiler does not reproduce exactly; keep using marshmallow for it."""


def compile_schema(schema_cls: type[Schema], *, strict: bool) -> Loader:
    """A function loading a mapping exactly as ``schema_cls().load`` would (``strict``: unknown keys refused at
    every depth, as producers need; otherwise dropped at every depth, as :func:`~psi_contracts.schema.tolerant`
    does for consumers)."""
    return _compile(schema_cls, strict, {})


def _compile(schema_cls: type[Schema], strict: bool, seen: dict[type[Schema], Loader]) -> Loader:
    if schema_cls in seen:
        return seen[schema_cls]
    instance = schema_cls()
    hooks = instance._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD]:
        raise NotCompilable(f"{schema_cls.__name__} has load hooks")
    plan = [_field_plan(name, field, strict, seen) for name, field in instance.fields.items()]
    known = frozenset(name for name, *_ in plan)
    field_hooks = _field_validators(instance)
    schema_hooks = _schema_validators(instance)

    def load(data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise Invalid
        if strict and not known.issuperset(data):
            raise Invalid
        out: dict[str, Any] = {}
        for name, check, required, allow_none, default in plan:
            value = data.get(name, missing)
            if value is missing:
                if required:
                    raise Invalid
                if default is not missing:
                    out[name] = default() if callable(default) else default
                continue
            if value is None:
                if not allow_none:
                    raise Invalid
                out[name] = None
                continue
            out[name] = check(value)
        for name, validator in field_hooks:
            if name in out:
                _run(validator, out[name])
        for validator in schema_hooks:
            _run(validator, out)
        return out

    seen[schema_cls] = load
    return load


def _run(validator: Callable[..., Any], *args: Any) -> None:
    try:
        validator(*args)
    except ValidationError:
        raise Invalid from None


def _field_validators(instance: Schema) -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for attr_name, _many, kwargs in instance._hooks[VALIDATES]:
        method = getattr(instance, attr_name)
        for field_name in kwargs["field_names"]:
            found.append((field_name, lambda value, m=method, k=field_name: m(value, data_key=k)))
    return found


def _schema_validators(instance: Schema) -> list[Callable[[dict[str, Any]], Any]]:
    found = []
    for attr_name, many, kwargs in instance._hooks[VALIDATES_SCHEMA]:
        if many or kwargs.get("pass_original"):
            raise NotCompilable(f"{type(instance).__name__}.{attr_name} needs the collection or original data")
        method = getattr(instance, attr_name)
        found.append(lambda data, m=method: m(data, partial=None, many=False, unknown=None))
    return found


def _field_plan(
    name: str, field: fields.Field, strict: bool, seen: dict[type[Schema], Loader]
) -> tuple[str, _Check, bool, bool, Any]:
    if field.data_key not in (None, name) or field.attribute not in (None, name) or field.load_only is True:
        raise NotCompilable(f"field {name!r} renames its key")
    if field.pre_load or field.post_load:
        raise NotCompilable(f"field {name!r} has load hooks")
    check = _with_validators(_converter(field, strict, seen), field.validators)
    return name, check, bool(field.required), bool(field.allow_none), field.load_default


def _converter(field: fields.Field, strict: bool, seen: dict[type[Schema], Loader]) -> _Check:
    """The deserialisation step of one field (type check and conversion), as its marshmallow class does it."""
    kind = type(field)
    if kind is DecimalString:
        return _decimal_string
    if kind is StrictInteger:
        return _strict_integer
    if kind is StrictBoolean:
        return _strict_boolean
    if kind is fields.String:
        return _string
    if kind is fields.AwareDateTime and field.default_timezone is None:
        parse = fields.DateTime.DESERIALIZATION_FUNCS.get(field.format or fields.DateTime.DEFAULT_FORMAT)
        if parse is None:
            raise NotCompilable(f"datetime format {field.format!r}")
        return lambda value: _aware_datetime(value, parse)
    if kind is fields.Date and (field.format or "iso") == "iso":
        return _iso_date
    if kind is fields.Nested:
        if field.many or field.only or field.exclude:
            raise NotCompilable("Nested with many/only/exclude")
        nested = field.nested
        target = nested() if callable(nested) and not isinstance(nested, type) else nested
        if not (isinstance(target, type) and issubclass(target, Schema)):
            raise NotCompilable(f"Nested({nested!r})")
        return _compile(target, strict, seen)
    if kind is fields.List:
        inner = _field_plan("<item>", field.inner, strict, seen)[1]
        if field.inner.allow_none or not field.inner.required and field.inner.load_default is not missing:
            raise NotCompilable("List of optional items")
        return lambda value: _list(value, inner)
    if kind is fields.Dict and field.value_field is None and type(field.key_field) is fields.String:
        key_check = _with_validators(_string, field.key_field.validators)
        return lambda value: _dict(value, key_check)
    raise NotCompilable(f"field type {kind.__name__}")


def _with_validators(convert: _Check, validators: list[Any]) -> _Check:
    checks = [_fast_validator(v) for v in validators]
    if not checks:
        return convert

    def check(value: Any) -> Any:
        output = convert(value)
        for test in checks:
            test(output)
        return output

    return check


def _fast_validator(validator: Any) -> Callable[[Any], None]:
    """Common marshmallow validators as inline comparisons; anything else is called as it is."""
    kind = type(validator)
    if kind is validate.Range:
        lo, hi, lo_in, hi_in = validator.min, validator.max, validator.min_inclusive, validator.max_inclusive

        def in_range(value: Any) -> None:
            if lo is not None and (value < lo if lo_in else value <= lo):
                raise Invalid
            if hi is not None and (value > hi if hi_in else value >= hi):
                raise Invalid

        return in_range
    if kind is validate.Length:
        lo, hi, equal = validator.min, validator.max, validator.equal

        def of_length(value: Any) -> None:
            size = len(value)
            if (
                (equal is not None and size != equal)
                or (lo is not None and size < lo)
                or (hi is not None and size > hi)
            ):
                raise Invalid

        return of_length
    if kind is validate.Regexp:
        pattern = validator.regex

        def matches(value: Any) -> None:
            if pattern.match(value) is None:
                raise Invalid

        return matches
    if kind is validate.OneOf:
        choices = tuple(validator.choices)
        return lambda value: None if value in choices else _fail()
    if kind is validate.Equal:
        comparable = validator.comparable
        return lambda value: None if value == comparable else _fail()
    return lambda value: _run(validator, value)


def _fail() -> None:
    raise Invalid


def _decimal_string(value: Any) -> decimal.Decimal:
    if type(value) is not str or _DECIMAL_RE.fullmatch(value) is None:
        raise Invalid
    return decimal.Decimal(value)


def _strict_integer(value: Any) -> int:
    if type(value) is not int:
        raise Invalid
    return value


def _strict_boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise Invalid
    return value


def _string(value: Any) -> str:
    if type(value) is not str:
        raise Invalid
    return value


def _aware_datetime(value: Any, parse: Callable[[Any], dt.datetime]) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = parse(value)
        except (TypeError, AttributeError, ValueError):
            raise Invalid from None
    if not utils.is_aware(parsed):
        raise Invalid
    return parsed


def _iso_date(value: Any) -> dt.date:
    """As ``fields.Date`` (ISO): a date object as is, else an ISO 8601 date string."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, AttributeError, ValueError):
        raise Invalid from None


def _list(value: Any, inner: _Check) -> list[Any]:
    if not utils.is_collection(value):
        raise Invalid
    return [inner(item) if item is not None else _fail() for item in value]


def _dict(value: Any, key_check: _Check) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid
    for key in value:
        key_check(key)
    return dict(value)
