"""The compiled contract loaders agree with marshmallow on every golden example and on thousands of mutations.

``psi_contracts.compiled`` must accept exactly what the marshmallow schemas accept and load it to exactly the
same values, in both readings (strict for producers, tolerant for consumers). This test takes every golden
example and, for every field at the top level and inside the first element of each line list, deletes it or
replaces it with each value of a pool of tricky values, and adds unknown keys; each variant goes through both
and the outcomes are compared.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import ValidationError

from psi_contracts.compiled import Invalid, NotCompilable, compile_schema
from psi_contracts.envelope import EnvelopeSchema
from psi_contracts.events import EVENT_TYPES, consumer_schema, decode_data, encode_data, producer_schema
from psi_contracts.examples import all_examples
from psi_contracts.schema import tolerant

EXAMPLES = all_examples()
DELETE = object()
POOL: list[Any] = [
    DELETE,
    None,
    "",
    "0",
    "1",
    "-1",
    "1.5",
    "-0.000001",
    "007",
    "1.",
    ".5",
    "1e3",
    "NaN",
    "Infinity",
    " 1",
    "abc",
    "CNY",
    "cny",
    "EURO",
    "2025-03-03T09:15:00+08:00",
    "2025-03-03T09:15:00",
    "2025-03-03",
    "2025-03-03T09:15:00.123456Z",
    "not a time",
    0,
    1,
    -1,
    10_001,
    1.5,
    True,
    False,
    [],
    [{}],
    {},
    {"a": 1},
    "shipped",
    "received",
    "moving_average",
    "fifo",
    "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f",
    "x" * 300,
]


def _outcome(load: Any, doc: Any) -> tuple[str, Any]:
    try:
        return "ok", load(doc)
    except (ValidationError, Invalid):
        return "invalid", None


def _paths(doc: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    for key, value in doc.items():
        yield (key,)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in value[0]:
                yield (key, "0", inner)


def _mutate(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(doc)
    target: Any = mutated
    for step in path[:-1]:
        target = target[int(step)] if isinstance(target, list) else target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = copy.deepcopy(value)
    return mutated


def _variants(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield doc
    for path in _paths(doc):
        for value in POOL:
            yield _mutate(doc, path, value)
    yield {**copy.deepcopy(doc), "unknown_field": "x"}
    for path in _paths(doc):
        if len(path) == 3:
            yield _mutate(doc, (*path[:2], "unknown_field"), "x")


def _assert_agree(marshmallow_load: Any, fast_load: Any, doc: dict[str, Any]) -> int:
    checked = 0
    for variant in _variants(doc):
        expected = _outcome(marshmallow_load, copy.deepcopy(variant))
        actual = _outcome(fast_load, copy.deepcopy(variant))
        assert actual == expected, variant
        checked += 1
    return checked


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_compiled_data_loaders_agree_with_marshmallow(event_type: str) -> None:
    data = EXAMPLES[event_type]["data"]
    schema_cls = EVENT_TYPES[event_type]
    strict = _assert_agree(producer_schema(event_type).load, compile_schema(schema_cls, strict=True), data)
    tolerant_ = _assert_agree(consumer_schema(event_type).load, compile_schema(schema_cls, strict=False), data)
    assert strict == tolerant_ > len(POOL)  # every field was mutated with every value of the pool


def test_compiled_envelope_loaders_agree_with_marshmallow() -> None:
    for example in EXAMPLES.values():
        _assert_agree(EnvelopeSchema().load, compile_schema(EnvelopeSchema, strict=True), example)
        _assert_agree(tolerant(EnvelopeSchema)().load, compile_schema(EnvelopeSchema, strict=False), example)


def test_the_golden_examples_load_on_the_compiled_path() -> None:
    """Valid input never needs marshmallow: the compiled loader itself accepts every example."""
    for event_type, example in EXAMPLES.items():
        loaded = compile_schema(EVENT_TYPES[event_type], strict=False)(example["data"])
        assert loaded == consumer_schema(event_type).load(example["data"])


def test_refusals_still_carry_marshmallows_complete_error() -> None:
    data = copy.deepcopy(EXAMPLES["purchasing.GoodsReceived.v1"]["data"])
    data["lines"][0]["accepted_quantity"] = 5  # a JSON number
    del data["warehouse_code"]
    with pytest.raises(ValidationError) as refused:
        decode_data("purchasing.GoodsReceived.v1", data)
    assert set(refused.value.messages) == {"lines", "warehouse_code"}
    with pytest.raises(ValidationError) as refused:
        encode_data("purchasing.GoodsReceived.v1", {**data, "warehouse_code": "WH", "extra": 1})
    assert "extra" in refused.value.messages


def test_a_schema_the_compiler_cannot_reproduce_is_refused_at_compile_time() -> None:
    from marshmallow import Schema, fields, post_load

    class WithHook(Schema):
        name = fields.String()

        @post_load
        def _upper(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
            return {"name": data["name"].upper()}

    class WithFloat(Schema):
        value = fields.Float()

    for schema_cls in (WithHook, WithFloat):
        with pytest.raises(NotCompilable):
            compile_schema(schema_cls, strict=True)
