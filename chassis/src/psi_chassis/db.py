"""Engine, sessions and the unit of work.

A handler opens a unit of work, does its reads and writes, and commits explicitly; leaving the block without a
commit rolls back. Engines are created lazily per process, and gunicorn's post_fork hook disposes inherited pools
(``dispose_after_fork``) so no socket is shared between workers.
"""

from __future__ import annotations

import random
import select
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
#: Whether a COMMIT was sent to the database in the current request (or message): see :func:`commit_attempted`.
_commit_attempted: ContextVar[bool] = ContextVar("psi_commit_attempted", default=False)


def reset_commit_tracking() -> None:
    """Start a new request: no COMMIT attempted yet."""
    _commit_attempted.set(False)


def commit_attempted() -> bool:
    """True once any engine of this process has begun a COMMIT in the current context, whatever its outcome.

    A request that fails without one provably changed nothing (every write of PSI happens in a transaction that
    only a COMMIT makes real), which is what lets the gateway release an ``Idempotency-Key`` after a 5xx.
    """
    return _commit_attempted.get()


def _note_commit(_conn: Any) -> None:
    _commit_attempted.set(True)


def connection_lost(exc: BaseException) -> bool:
    """The database could not be used: a connection broken or refused, the pool exhausted, a transaction left
    unusable by a lost connection, the server shutting down or busy. Nothing the client did; worth a retry."""
    if isinstance(exc, sa_exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError))
    if isinstance(exc, (sa_exc.PendingRollbackError, sa_exc.TimeoutError)):
        return True
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))


def is_sqlite(url_or_engine: str | Engine) -> bool:
    name = url_or_engine.dialect.name if isinstance(url_or_engine, Engine) else str(url_or_engine)
    return name.startswith("sqlite")


def insert_on_conflict(session: Session, table: Any) -> Any:
    """``INSERT`` into ``table`` in the session's dialect, so ``on_conflict_do_nothing/_update`` can follow.

    PostgreSQL (deployed) and SQLite (``make run``) both have ``ON CONFLICT``, each behind its own dialect's
    ``insert``; this is the one place that picks it.
    """
    module = sqlite_dialect if is_sqlite(session.get_bind()) else postgresql_dialect
    return module.insert(table)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings PSI relies on for each backend (and COMMIT tracking on both)."""
    engine = _make_engine(url, **kwargs)
    event.listen(engine, "commit", _note_commit)
    return engine


def _make_engine(url: str, **kwargs: Any) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the API read while the consumer writes; foreign keys are off by default in SQLite.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking on upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _refuse_dead_connection)
    return engine


#: A pooled connection older than this is replaced at its next checkout (firewalls and proxies drop idle ones).
POOL_RECYCLE_SECONDS = 1800


def _refuse_dead_connection(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no connection the server has already closed, without a round trip.

    ``pool_pre_ping`` sends a ``SELECT 1`` at every checkout: a round trip per request or batch. An idle
    connection has nothing to read unless the server ended it (a restart, ``pg_terminate_backend``, an idle
    timeout: PostgreSQL sends its FATAL message, then closes), so a socket that is readable, or a connection
    psycopg already knows is broken, is refused here; SQLAlchemy's pool then discards it and checks out another
    (``DisconnectionError``). A connection that dies while in use fails that transaction: the API answers 503
    and the pool is invalidated, the consumer retries the batch.
    """
    if dbapi_conn.closed or getattr(dbapi_conn, "broken", False):
        raise sa_exc.DisconnectionError("the connection was closed")
    try:
        readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (OSError, ValueError) as exc:
        raise sa_exc.DisconnectionError("the connection's socket is unusable") from exc
    if readable:
        raise sa_exc.DisconnectionError("the server closed the idle connection")


class Database:
    """One service's database: a lazily created engine and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
            self._sessions = sessionmaker(self._engine, expire_on_commit=False, autoflush=True)
        return self._engine

    def session(self) -> Session:
        self.engine  # noqa: B018 - creates the factory on first use
        assert self._sessions is not None
        return self._sessions()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Yield a session; the caller commits. Anything not committed is rolled back on exit."""
        session = self.session()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose_after_fork(self) -> None:
        """Drop connections inherited from the parent without closing the parent's sockets."""
        if self._engine is not None:
            self._engine.dispose(close=False)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _is_transient(exc: BaseException) -> bool:
    """Deadlock victim or serialization failure: the transaction did nothing and may simply run again."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None)
    return code in {"40P01", "40001"}


def insert_numbered(
    session: Session, table: Any, values: Mapping[str, Any], number_of: Callable[[int], str]
) -> tuple[int, str]:
    """Insert a document row and write its human number (``SO-000001``) from its id in the same transaction.

    The number is only known once the id is; the row is inserted without it and numbered at once, so the column
    is nullable but never seen empty by another transaction. Returns (id, number).
    """
    new_id = int(session.execute(table.insert().values(**values).returning(table.c.id)).scalar_one())
    number = number_of(new_id)
    session.execute(table.update().where(table.c.id == new_id).values(number=number))
    return new_id, number


def after_commit(session: Session, action: Callable[[], Any]) -> None:
    """Run ``action`` once the session's transaction commits (never when it rolls back).

    For counting what a handler did: a delivery retried after a failed commit is not counted twice.
    """
    event.listen(session, "after_commit", lambda _session: action(), once=True)


def run_command(db: Database, work: Callable[[Session], T]) -> T:
    """One command, one transaction: ``work(session)`` committed, run again whole when the database asks for it.

    The one commit point of every service's commands: the handler's ``work`` locks, loads, asks the domain and
    writes; this opens the unit of work and commits. A deadlock victim or a serialization failure is run again
    (:func:`run_transaction`, the one retry policy) from a fresh session, so ``work`` keeps nothing from a
    failed attempt; a problem error raised by ``work`` rolls everything back and reaches the client as it is.
    """

    def attempt() -> T:
        with db.unit_of_work() as session:
            result = work(session)
            session.commit()
        return result

    return run_transaction(attempt)


def run_transaction(work: Callable[[], T], attempts: int = 3) -> T:
    """Run ``work`` (which opens and commits its own unit of work), again if the database picked it as a
    deadlock victim or failed it for serialization: such an error never reaches a client unless it repeats."""
    try:
        return work()  # the usual case: no retry machinery built at all
    except Exception as exc:
        if attempts <= 1 or not _is_transient(exc):
            raise
    from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random

    time.sleep(random.uniform(0.005, 0.05))  # the collision that failed the first attempt may still be on
    retrying = Retrying(
        stop=stop_after_attempt(attempts - 1),
        wait=wait_random(0.005, 0.05),
        retry=retry_if_exception(_is_transient),
        reraise=True,
    )
    return retrying(work)
