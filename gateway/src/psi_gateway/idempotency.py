"""Idempotency-Key for POSTs that create documents (Stripe's model).

The first request with a key claims it (a row with no status yet), goes through, and its answer is stored. A
retry with the same key and the same request gets the stored answer again, marked ``Idempotent-Replayed``; the
same key with a different body is a 409. A retry that arrives while the first is still in flight waits for it
(up to the read timeout) and then replays its answer, so concurrent duplicates create one document.

An answer that proves nothing happened (the service refused the connection, the breaker was open, the service
said 500) releases the key at once; when the outcome is unknown (a timeout, a dropped connection, a killed
worker) the claim lapses after ``idempotency_lease_seconds`` and a retry takes it over. Keys are per user and
expire after ``idempotency_ttl_seconds``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from psi_chassis.db import Database, is_sqlite
from psi_chassis.errors import Conflict, InvalidRequest
from psi_chassis.types import utcnow
from psi_gateway import metrics
from psi_gateway.tables import idempotency_keys

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    content_type: str | None
    body: bytes
    location: str | None


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self, db: Database, ttl_seconds: int, wait_seconds: float, lease_seconds: int = 60) -> None:
        self.db = db
        self.ttl = timedelta(seconds=ttl_seconds)
        self.lease = timedelta(seconds=lease_seconds)
        self.wait_seconds = wait_seconds

    @staticmethod
    def validate_key(key: str) -> str:
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidRequest(f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable characters",
                                 code="INVALID_IDEMPOTENCY_KEY")
        return key

    def claim(self, principal: str, key: str, print_: str) -> StoredAnswer | None:
        """None when this request owns the key and must go through; the stored answer when it is a retry."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            with self.db.unit_of_work() as session:
                now = utcnow()
                module = sqlite if is_sqlite(session.get_bind()) else postgresql
                # Expired answers go; so does a claim whose request never answered within its lease (a
                # gateway worker killed mid-request, a service that timed out): the retry takes it over.
                session.execute(
                    delete(idempotency_keys).where(
                        idempotency_keys.c.principal == principal, idempotency_keys.c.key == key,
                        (idempotency_keys.c.created_at < now - self.ttl)
                        | (idempotency_keys.c.status.is_(None) & (idempotency_keys.c.created_at < now - self.lease)),
                    )
                )
                claimed = session.execute(
                    module.insert(idempotency_keys)
                    .values(principal=principal, key=key, fingerprint=print_, created_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["principal", "key"])
                    .returning(idempotency_keys.c.key)
                ).first()
                row = None if claimed else session.execute(
                    select(idempotency_keys).where(idempotency_keys.c.principal == principal,
                                                   idempotency_keys.c.key == key)
                ).first()
                session.commit()
            if claimed:
                return None
            if row is None:
                continue  # released between our insert and our read: try to claim it again
            if row.fingerprint != print_:
                metrics.IDEMPOTENT_REPLAYS.labels("conflict").inc()
                raise Conflict(f"{HEADER} {key!r} was already used for a different request",
                               code="IDEMPOTENCY_KEY_REUSED")
            if row.status is not None:
                metrics.IDEMPOTENT_REPLAYS.labels("replayed").inc()
                return StoredAnswer(row.status, row.content_type, bytes(row.body or b""), row.location)
            if time.monotonic() >= deadline:
                raise Conflict(f"a request with {HEADER} {key!r} is still being processed; retry later",
                               code="IDEMPOTENCY_REQUEST_IN_PROGRESS")
            time.sleep(_POLL_SECONDS)

    def complete(self, principal: str, key: str, answer: StoredAnswer) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.principal == principal, idempotency_keys.c.key == key)
                .values(status=answer.status, content_type=answer.content_type, body=answer.body,
                        location=answer.location)
            )
            session.commit()

    def release(self, principal: str, key: str) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                delete(idempotency_keys).where(idempotency_keys.c.principal == principal,
                                               idempotency_keys.c.key == key,
                                               idempotency_keys.c.status.is_(None))
            )
            session.commit()
