"""Finance's integration fixtures: the API on a fresh PostgreSQL database (the standard chart seeded by the
migration), called as a user of a given role; the books opened in a session for post_entry itself."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from psi_chassis.app import create_service_app
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_contracts.envelope import make_envelope
from psi_finance.app import SERVICE
from psi_finance.domain.journal import JournalEntry, JournalLine, Source

KEYS = TestKeys()
F = "/api/v1/finance"
T = TypeVar("T")
#: Every table the books write, for "changed nothing" checks.
BOOK_TABLES = ("accounts", "periods", "journal_entries", "journal_lines")


class Api:
    def __init__(self, client: Any, db: Database, runner: ConsumerRunner) -> None:
        self.client, self.db, self.runner = client, db, runner

    def call(self, method: str, path: str, body: Any = None, role: str = "accountant") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {KEYS.token(role, sub=role, name=role)}"}  # the user is named as the role
        response = self.client.open(F + path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json() if response.data else None

    def ok(self, method: str, path: str, body: Any = None, role: str = "accountant") -> Any:
        status, answer = self.call(method, path, body, role)
        assert status in (200, 201, 204), (status, answer)
        return answer

    def in_session(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in one transaction, committed (as a consumer's unit of work would)."""
        with self.db.unit_of_work() as session:
            result = work(session)
            session.commit()
        return result

    def deliver(self, event_type: str, data: dict[str, Any], event_id: str | None = None, source: str = "x") -> Any:
        """Hand an event to finance's consumer (its unit of work, inbox and handlers), as a delivery would."""
        envelope = make_envelope(event_type, data, source=source, event_id=event_id)
        (handler,) = [h for h in SERVICE.handlers if event_type in h.subscriptions]
        return self.runner.apply_envelopes(handler, [envelope])

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The data of every event of ``event_type`` finance recorded in its outbox, oldest first."""
        with self.db.engine.connect() as conn:
            bodies = conn.execute(
                text("SELECT body FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type}
            ).scalars()
            return [json.loads(body)["data"] for body in bodies]

    def execute(self, sql: str, **params: Any) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(text(sql), params)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.db.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self) -> dict[str, Any]:
        """A fingerprint of the books: row counts, the sum of every side, the periods' states, the accounts."""
        with self.db.engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in BOOK_TABLES}
            sums = conn.execute(text("SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) FROM journal_lines"))
            states = conn.execute(text("SELECT period, status FROM periods ORDER BY period")).all()
            chart = conn.execute(text("SELECT code, name, role, active FROM accounts ORDER BY code")).all()
            return {**counts, "sums": tuple(sums.one()), "periods": states, "chart": chart}


def _api(psi_databases: Any, **env: str) -> tuple[Api, Database]:
    url = psi_databases.create("finance", SERVICE.migrations)
    settings = SERVICE.load_settings({"FINANCE_DATABASE_URL": url, "AMQP_URL": "memory://", **env})
    db = Database(url)
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=KEYS.verifier())
    return Api(app.test_client(), db, ConsumerRunner(settings, db, SERVICE.handlers)), db


@pytest.fixture
def api(psi_databases: Any) -> Iterator[Api]:
    """The finance API on a fresh database with the standard chart (base currency CNY)."""
    api, db = _api(psi_databases, PSI_BASE_CURRENCY="CNY")
    yield api
    db.dispose()


def _entry(
    on: date,
    *lines: tuple[str, str, str],
    kind: str = "test.Event.v1",
    ref: str = "e-1",
    document: str = "DOC-1",
    **extra: Any,
) -> JournalEntry:
    return JournalEntry(
        entry_date=on,
        description=extra.pop("description", f"{kind} {ref}"),
        source=Source(kind, ref, document),
        lines=tuple(JournalLine(a, Decimal(d), Decimal(c), **extra) for a, d, c in lines),
    )


@pytest.fixture
def make_entry() -> Callable[..., JournalEntry]:
    """``make_entry(date(2026, 10, 5), ("1002", "100", "0"), ("5001", "0", "100"), ref="e-1")``: a balanced
    event-like entry, lines as (account, debit, credit) decimal strings."""
    return _entry
