"""Idempotency-Key for POSTs that create documents (Stripe's model, with unknown outcomes never re-run).

The first request with a key claims it (a row with no answer yet) and goes through. What happens to the key
depends on what the gateway learnt about the request (``psi_gateway.app._settle``):

- **a 2xx answer** is stored; a retry with the same key and the same request gets it again, marked
  ``Idempotent-Replayed``;
- **nothing happened**: the request provably never reached the service (connection refused, breaker open,
  connect timeout), the service answered a 4xx (a refusal commits nothing), or a 5xx marked
  ``PSI-Outcome: none`` (the service attempted no COMMIT): the key is released and a retry goes through;
- **the outcome is unknown**: a read timeout, a connection dropped mid-request, a broken answer, a 5xx after a
  COMMIT was attempted (it may have succeeded), or a gateway worker that died with the claim: the key is marked
  so (``unknown_reason``), and every retry with it is a ``409 IDEMPOTENCY_OUTCOME_UNKNOWN`` telling the client
  to check whether the document exists before sending the request again under a new key. Such a key never
  lapses into a second execution: a claim left without an answer for ``lease_seconds`` counts as unknown too.

The same key with a different request is a 409; a retry that arrives while the first is still in flight waits
for it (up to the read timeout), so concurrent duplicates create one document. Keys are per user and expire
``ttl_seconds`` after the first request; :meth:`IdempotencyStore.purge_expired` deletes expired ones.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, tuple_, update

from psi_chassis.db import Database, insert_on_conflict
from psi_chassis.errors import Conflict, InvalidRequest
from psi_chassis.types import utcnow
from psi_gateway import metrics
from psi_gateway.tables import idempotency_keys

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_POLL_SECONDS = 0.05
_REASON_LENGTH = 300
#: Why a claim without an answer is unknown once its lease is over.
LAPSED = "the gateway handling the first request stopped before it got an answer"


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


def outcome_unknown(key: str, reason: str) -> Conflict:
    return Conflict(
        f"The first request with {HEADER} {key!r} got no definite answer ({reason}): it may or may not have "
        "been applied. Check whether it was (for example, GET the list it would have added to) before sending "
        "it again, and if you do, use a new key.",
        code="IDEMPOTENCY_OUTCOME_UNKNOWN",
    )


class IdempotencyStore:
    def __init__(self, db: Database, ttl_seconds: int, wait_seconds: float, lease_seconds: int = 60) -> None:
        self.db = db
        self.ttl = timedelta(seconds=ttl_seconds)
        self.lease = timedelta(seconds=lease_seconds)
        self.wait_seconds = wait_seconds

    @staticmethod
    def validate_key(key: str) -> str:
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidRequest(
                f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable characters", code="INVALID_IDEMPOTENCY_KEY"
            )
        return key

    def claim(self, principal: str, key: str, print_: str) -> StoredAnswer | None:
        """None when this request owns the key and must go through; the stored answer when it is a retry.

        Raises 409 for a key used for another request, for a first request whose outcome is unknown, and for
        one still in flight after ``wait_seconds``.
        """
        deadline = time.monotonic() + self.wait_seconds
        while True:
            claimed, row = self._try_claim(principal, key, print_)
            if claimed:
                return None
            if row is None:
                continue  # released between our insert and our read: try to claim it again
            if row.fingerprint != print_:
                metrics.IDEMPOTENT_REPLAYS.labels("conflict").inc()
                raise Conflict(
                    f"{HEADER} {key!r} was already used for a different request", code="IDEMPOTENCY_KEY_REUSED"
                )
            if row.status is not None:
                metrics.IDEMPOTENT_REPLAYS.labels("replayed").inc()
                return StoredAnswer(row.status, row.content_type, bytes(row.body or b""), row.location)
            if row.unknown_reason is not None or row.created_at < utcnow() - self.lease:
                metrics.IDEMPOTENT_REPLAYS.labels("unknown").inc()
                raise outcome_unknown(key, row.unknown_reason or LAPSED)
            if time.monotonic() >= deadline:
                raise Conflict(
                    f"a request with {HEADER} {key!r} is still being processed; retry later",
                    code="IDEMPOTENCY_REQUEST_IN_PROGRESS",
                )
            time.sleep(_POLL_SECONDS)

    def _try_claim(self, principal: str, key: str, print_: str) -> tuple[bool, object | None]:
        with self.db.unit_of_work() as session:
            now = utcnow()
            # An expired key is free again, whatever became of it.
            session.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.principal == principal,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.created_at < now - self.ttl,
                )
            )
            claimed = session.execute(
                insert_on_conflict(session, idempotency_keys)
                .values(principal=principal, key=key, fingerprint=print_, created_at=now)
                .on_conflict_do_nothing(index_elements=["principal", "key"])
                .returning(idempotency_keys.c.key)
            ).first()
            row = (
                None
                if claimed
                else session.execute(
                    select(idempotency_keys).where(
                        idempotency_keys.c.principal == principal, idempotency_keys.c.key == key
                    )
                ).first()
            )
            session.commit()
        return claimed is not None, row

    def complete(self, principal: str, key: str, answer: StoredAnswer) -> None:
        """Store the answer a retry will get again."""
        self._settle(
            principal,
            key,
            status=answer.status,
            content_type=answer.content_type,
            body=answer.body,
            location=answer.location,
        )

    def mark_unknown(self, principal: str, key: str, reason: str) -> None:
        """The request may or may not have been applied: every retry with the key is refused from now on."""
        self._settle(principal, key, unknown_reason=reason[:_REASON_LENGTH])

    def _settle(self, principal: str, key: str, **values: object) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                update(idempotency_keys)
                .where(
                    idempotency_keys.c.principal == principal,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.status.is_(None),
                    idempotency_keys.c.unknown_reason.is_(None),
                )
                .values(**values)
            )
            session.commit()

    def release(self, principal: str, key: str) -> None:
        """Nothing happened: the key is free for a retry."""
        with self.db.unit_of_work() as session:
            session.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.principal == principal,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.status.is_(None),
                    idempotency_keys.c.unknown_reason.is_(None),
                )
            )
            session.commit()

    def purge_expired(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` keys older than the TTL (by the ``created_at`` index); returns how many."""
        cutoff = now - self.ttl
        with self.db.unit_of_work() as session:
            oldest = (
                select(idempotency_keys.c.principal, idempotency_keys.c.key)
                .where(idempotency_keys.c.created_at < cutoff)
                .limit(limit)
            )
            deleted = session.execute(
                delete(idempotency_keys).where(tuple_(idempotency_keys.c.principal, idempotency_keys.c.key).in_(oldest))
            ).rowcount
            session.commit()
        return int(deleted or 0)
