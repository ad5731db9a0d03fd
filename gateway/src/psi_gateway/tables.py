"""The gateway's own tables: users, refresh tokens, its signing key and idempotency records."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text

from psi_chassis.types import BigId, UTCDateTime

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("roles", String(255), nullable=False),  # comma-separated, sorted
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the token: a stolen table is useless
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False, index=True),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("slot", String(16), primary_key=True),  # "current": one key shared by every worker
    Column("kid", String(64), nullable=False),
    Column("private_pem", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # sha256 of method, path and body
    Column("status", Integer, nullable=True),  # null while the first request is in flight
    Column("content_type", String(255), nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("location", String(1024), nullable=True),
    # Why the first request's outcome is unknown (timeout, dropped connection, a 5xx after a COMMIT): set
    # instead of an answer, it makes every retry a 409 rather than a second execution.
    Column("unknown_reason", String(300), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
)
