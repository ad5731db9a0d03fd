"""The CloudEvents-compatible envelope every PSI event travels in (DESIGN.md §3).

A message body is a CloudEvents 1.0 JSON "structured mode" event, so generic tooling (and integrators reading
the event stream) can understand it without knowing PSI:

``specversion, id, type, source, time, subject, datacontenttype, correlationid, causationid, sequence, data``

``correlationid`` and ``causationid`` are CloudEvents extension attributes: the request that started a chain
of events, and the event that directly caused this one. ``sequence`` is the producer's per-subject counter
when it has one. As with the data, producers build envelopes strictly (:func:`make_envelope`) and consumers
read them tolerantly (:func:`parse_envelope`), ignoring extension attributes they do not know.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from psi_contracts.compiled import Invalid, compile_schema
from psi_contracts.events import encode_data
from psi_contracts.schema import ContractSchema, StrictInteger, text, tolerant
from psi_contracts.topology import EVENT_TYPE_PATTERN

__all__ = [
    "SPECVERSION",
    "DATACONTENTTYPE",
    "EnvelopeSchema",
    "format_time",
    "make_envelope",
    "parse_envelope",
]

SPECVERSION = "1.0"
DATACONTENTTYPE = "application/json"


def _nullable_text() -> fields.String:
    return fields.String(required=False, allow_none=True, load_default=None, validate=validate.Length(min=1))


class EnvelopeSchema(ContractSchema):
    """The envelope, strict (as a producer writes it). Consumers use ``tolerant(EnvelopeSchema)``.

    ``data`` is only checked to be an object here; its contract depends on ``type`` and is checked by
    :func:`psi_contracts.events.encode_data` / :func:`~psi_contracts.events.decode_data`.
    """

    specversion = fields.String(required=True, validate=validate.Equal(SPECVERSION))
    id = text()
    """A UUID string; consumers deduplicate on it (the inbox): unique per event, the same on every retry."""
    type = fields.String(
        required=True,
        validate=validate.Regexp(
            EVENT_TYPE_PATTERN, error="Must be <producer>.<EventName>.v<major>, e.g. 'sales.OrderShipped.v1'."
        ),
    )
    source = text()
    """Who produced the event, e.g. ``"psi/purchasing"``."""
    time = fields.AwareDateTime(required=True, format="iso")
    """When the event was created (not the business time, which is in the data); naive times are refused."""
    subject = _nullable_text()
    """The entity the event is about, e.g. the order number; lets tooling filter without parsing data."""
    datacontenttype = fields.String(
        required=False, load_default=DATACONTENTTYPE, validate=validate.Equal(DATACONTENTTYPE)
    )
    correlationid = _nullable_text()
    causationid = _nullable_text()
    sequence = StrictInteger(required=False, allow_none=True, load_default=None, validate=validate.Range(min=0))
    data = fields.Dict(required=True, keys=fields.String())

    @validates("id")
    def _id_is_uuid(self, value: str, **_: Any) -> None:
        try:
            uuid.UUID(value)
        except ValueError:
            raise ValidationError("Must be a UUID string.") from None


def format_time(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, microsecond precision: one sortable spelling for every producer.

    Refuses naive datetimes rather than guessing their zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"envelope time must be timezone-aware, got naive {value!r}")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def make_envelope(
    event_type: str,
    data: Mapping[str, Any],
    *,
    source: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    sequence: int | None = None,
    event_id: str | None = None,
    time: dt.datetime | None = None,
) -> dict[str, Any]:
    """Build the JSON-ready envelope for one event, validating data and envelope strictly.

    ``data`` may hold Python values (``Decimal``, ``datetime``, ``date``, ``UUID``); they are converted to the
    wire form by :func:`~psi_contracts.events.encode_data`, which also refuses anything outside the contract.
    ``event_id`` defaults to a new UUID4 and ``time`` to now. Raises
    :class:`~psi_contracts.events.UnknownEventType`, ``marshmallow.ValidationError`` or ``ValueError`` (naive
    ``time``).
    """
    envelope: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event_id if event_id is not None else str(uuid.uuid4()),
        "type": event_type,
        "source": source,
        "time": format_time(time if time is not None else dt.datetime.now(dt.UTC)),
        "subject": subject,
        "datacontenttype": DATACONTENTTYPE,
        "correlationid": correlation_id,
        "causationid": causation_id,
        "sequence": sequence,
        "data": encode_data(event_type, data),
    }
    try:
        _FAST_STRICT(envelope)
    except Invalid:
        _strict_envelope().load(envelope)  # raises the complete error
    return envelope


def parse_envelope(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a received envelope tolerantly and return it with Python values.

    Unknown attributes (CloudEvents extensions this version does not know) are dropped; missing optional ones
    come back as ``None``. ``time`` is an aware ``datetime``; ``data`` is returned as received, to be decoded
    with :func:`~psi_contracts.events.decode_data` for its ``type``. Raises ``marshmallow.ValidationError``
    when the envelope itself is invalid (the message should then be dead-lettered).
    """
    try:
        return _FAST_TOLERANT(body)
    except Invalid:
        loaded: dict[str, Any] = _tolerant_envelope().load(body)
        return loaded


@functools.cache
def _strict_envelope() -> Schema:
    return EnvelopeSchema()


@functools.cache
def _tolerant_envelope() -> Schema:
    return tolerant(EnvelopeSchema)()


# The envelope is read and written once per event: compiled once, at import (see psi_contracts.compiled).
_FAST_STRICT = compile_schema(EnvelopeSchema, strict=True)
_FAST_TOLERANT = compile_schema(EnvelopeSchema, strict=False)
