"""Every statement that writes the journal, and loading a posted entry back as the domain sees it.

The journal is append-only: an entry and its lines are inserted once and never updated (except the number,
written from the id in the same transaction) nor deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_finance.adapters.tables import journal_entries, journal_lines
from psi_finance.domain.journal import JournalEntry, JournalLine, Source, entry_number


def entry_for_source(session: Session, source: Source) -> int | None:
    """The id of the entry posted for ``source``, if there is one."""
    query = select(journal_entries.c.id).where(
        journal_entries.c.source_kind == source.kind, journal_entries.c.source_ref == source.ref
    )
    return session.execute(query).scalar()


def insert_entry(
    session: Session,
    entry: JournalEntry,
    *,
    period: str,
    moved_from_period: str | None,
    posted_by: str,
    posted_at: datetime,
) -> int | None:
    """Insert the entry and its lines; None (and nothing written) when its source has been posted already.

    The UNIQUE (source_kind, source_ref) constraint decides (INSERT ... ON CONFLICT DO NOTHING), so two
    deliveries of one event racing each other still post it once, and the transaction stays usable.
    """
    values = {
        "entry_date": entry.entry_date,
        "period": period,
        "moved_from_period": moved_from_period,
        "description": entry.description,
        "source_kind": entry.source.kind,
        "source_ref": entry.source.ref,
        "document_ref": entry.source.document or None,
        "reverses": entry.reverses,
        "posted_by": posted_by,
        "posted_at": posted_at,
    }
    stmt = (
        insert_on_conflict(session, journal_entries)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["source_kind", "source_ref"])
        .returning(journal_entries.c.id)
    )
    entry_id = session.execute(stmt).scalar()
    if entry_id is None:
        return None
    entry_id = int(entry_id)
    session.execute(
        update(journal_entries).where(journal_entries.c.id == entry_id).values(number=entry_number(entry_id))
    )
    session.execute(insert(journal_lines), [_line_values(entry_id, n, ln) for n, ln in enumerate(entry.lines, 1)])
    return entry_id


def _line_values(entry_id: int, line_no: int, line: JournalLine) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "line_no": line_no,
        "account": line.account,
        "debit": line.debit,
        "credit": line.credit,
        "memo": line.memo,
        "party": line.party,
        "currency": line.currency,
        "amount_currency": line.amount_currency,
    }


def load_entry(session: Session, entry_id: int, *, lock: bool = False) -> JournalEntry | None:
    """A posted entry as the domain sees it; ``lock``: its row held FOR UPDATE (while it is being reversed)."""
    query = select(journal_entries).where(journal_entries.c.id == entry_id)
    header = session.execute(query.with_for_update() if lock else query).first()
    if header is None:
        return None
    rows = session.execute(
        select(journal_lines).where(journal_lines.c.entry_id == entry_id).order_by(journal_lines.c.line_no)
    ).all()
    lines = tuple(
        JournalLine(r.account, r.debit, r.credit, r.memo, r.party, r.currency, r.amount_currency) for r in rows
    )
    source = Source(header.source_kind, header.source_ref, header.document_ref or "")
    return JournalEntry(header.entry_date, header.description, source, lines, header.reverses)


def reversed_by(session: Session, entry_id: int) -> int | None:
    """The id of the entry that reverses ``entry_id``, if any."""
    return session.execute(select(journal_entries.c.id).where(journal_entries.c.reverses == entry_id)).scalar()
