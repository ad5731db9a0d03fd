"""The outbox and inbox tables, defined once for every service's metadata and migrations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, text

from psi_chassis.types import BigId as _BigId
from psi_chassis.types import UTCDateTime


def _outbox_columns() -> list[Any]:
    return [
        Column("id", _BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("correlation_id", String(128), nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    ]


def _inbox_columns() -> list[Any]:
    return [
        Column("consumer", String(200), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("received_at", UTCDateTime(), nullable=False),
    ]


def _pending_index(_table_name: str) -> dict[str, Any]:
    where = text("published_at IS NULL")
    return {"postgresql_where": where, "sqlite_where": where}


def outbox_table(metadata: MetaData) -> Table:
    table = Table("outbox", metadata, *_outbox_columns())
    Index("ix_outbox_pending", table.c.id, **_pending_index("outbox"))
    return table


def inbox_table(metadata: MetaData) -> Table:
    return Table("inbox", metadata, *_inbox_columns())


def create_messaging_tables(op: Any) -> None:
    """Alembic helper for a service's first migration: the same DDL as the metadata above."""
    op.create_table("outbox", *_outbox_columns())
    op.create_index("ix_outbox_pending", "outbox", ["id"], **_pending_index("outbox"))
    op.create_table("inbox", *_inbox_columns())


def drop_messaging_tables(op: Any) -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")


#: The tables as the chassis uses them; every service's database has the same two tables (see the migration helper).
MESSAGING_METADATA = MetaData()
OUTBOX = outbox_table(MESSAGING_METADATA)
INBOX = inbox_table(MESSAGING_METADATA)
