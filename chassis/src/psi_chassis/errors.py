"""Errors that map to application/problem+json responses.

Domain code raises these (they carry a stable machine ``code``); the app factory turns them into problem details.
They subclass nothing from Flask so the domain stays free of the web framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ProblemError(Exception):
    status: int = 400
    title: str = "Bad Request"
    default_code: str = "BAD_REQUEST"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers) if headers else None


class InvalidRequest(ProblemError):
    status = 422
    title = "Unprocessable Entity"
    default_code = "VALIDATION_FAILED"


class NotFound(ProblemError):
    status = 404
    title = "Not Found"
    default_code = "NOT_FOUND"


class Conflict(ProblemError):
    status = 409
    title = "Conflict"
    default_code = "CONFLICT"


class Unauthorized(ProblemError):
    """No valid token: the client must (re)authenticate. Always carries a Bearer challenge."""

    status = 401
    title = "Unauthorized"
    default_code = "UNAUTHORIZED"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": 'Bearer realm="psi"'})


class Forbidden(ProblemError):
    status = 403
    title = "Forbidden"
    default_code = "FORBIDDEN"


class Unavailable(ProblemError):
    """The server cannot answer right now for a reason on its side (a database connection lost, the token key
    set not fetched yet): nothing was done, and the same request may be sent again after ``Retry-After``."""

    status = 503
    title = "Service Unavailable"
    default_code = "SERVICE_UNAVAILABLE"

    def __init__(self, detail: str, *, code: str | None = None, retry_after: int = 1) -> None:
        super().__init__(detail, code=code, headers={"Retry-After": str(retry_after)})


class InvalidStatus(Conflict):
    """The document is not in a status that allows the action."""

    default_code = "INVALID_STATUS"


class RuleViolation(InvalidRequest):
    """A well-formed request that breaks a document rule; ``errors`` names the fields."""


def add_error(
    errors: dict[str, Any], field: str, message: str, index: int | None = None, name: str | None = None
) -> None:
    """Collect a field error the way marshmallow reports it: ``field``, ``field.<index>`` or ``field.<index>.<name>``.

    Domain rules collect every problem of a request before raising one error, so a client sees all of them at
    once, keyed exactly as schema validation would key them.
    """
    if index is None:
        errors.setdefault(field, []).append(message)
    elif name is None:
        errors.setdefault(field, {}).setdefault(str(index), []).append(message)
    else:
        errors.setdefault(field, {}).setdefault(str(index), {}).setdefault(name, []).append(message)
