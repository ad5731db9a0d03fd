"""Per-request and per-message context (request id), carried in a contextvar so logs and the outbox see it."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("psi_request_id", default=None)
_causation_id: ContextVar[str | None] = ContextVar("psi_causation_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def get_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


def get_causation_id() -> str | None:
    return _causation_id.get()


def set_causation_id(value: str | None) -> None:
    _causation_id.set(value)
