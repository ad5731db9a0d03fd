"""Which failures are the database's, not the message's: those are retried in place, in order, until it answers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import psycopg
from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes that say "the database could not do it now", never "this message is wrong":
# 08 connection exception, 53 insufficient resources (disk full, out of memory, too many connections),
# 58 system error; 40001 serialization failure, 40P01 deadlock, 40003 statement completion unknown,
# 55P03 lock not available (lock_timeout), 57014 query cancelled (statement_timeout), 57P01-57P03 and 57P05
# the server terminating the session (pg_terminate_backend, shutdown, crash recovery, idle timeout).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53", "58"})
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "40003", "55P03", "57014", "57P01", "57P02", "57P03", "57P05"})


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from, so a handler that wraps a database error is still understood."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _transient_driver_error(error: BaseException) -> bool:
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES
    if isinstance(error, psycopg.OperationalError):
        return True  # no SQLSTATE: the client lost or never got a connection ("server closed the connection")
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    return False


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not apply the event now, and the same event will apply later.

    Such a failure is retried in place. A failure of the event itself (bad data, a broken constraint, a bug)
    is not transient: retrying it in place would hold the queue for ever.
    """
    for error in _causes(exc):
        if isinstance(error, sa_exc.DBAPIError):
            if error.connection_invalidated or _transient_driver_error(error.orig):
                return True
        elif isinstance(error, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):
            return True  # a connection the pool found dead, or no connection free within the pool timeout
        elif _transient_driver_error(error):
            return True
    return False
