"""An accountant's entries: a manual entry (手工凭证) and the reversal (红冲) of a posted one, each one
transaction through ``run_command`` and through ``post_entry`` like every posting.

A person's entry is dated by them, so one dated in a closed period is refused (``PERIOD_CLOSED``) rather than
moved on as a late event is: they choose an open date or have the period reopened.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import uuid4

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.types import utcnow
from psi_finance.adapters import journal, queries
from psi_finance.domain.business_time import check_entry_date
from psi_finance.domain.commands import PostManualEntry, ReverseEntry
from psi_finance.domain.errors import AlreadyReversed, EntryNotFound
from psi_finance.domain.journal import (
    MANUAL_SOURCE,
    REVERSAL_SOURCE,
    JournalEntry,
    Source,
    entry_number,
    reversal_of,
)
from psi_finance.domain.periods import OnClosed
from psi_finance.service.journal import post_entry


def post_manual_entry(db: Database, cmd: PostManualEntry, actor: Actor) -> dict[str, Any]:
    """Post a balanced manual entry (source ``manual``, a new uuid as its reference) on its date (default today)."""
    today = utcnow().date()
    on = check_entry_date(cmd.entry_date or today, today)
    entry = JournalEntry(on, cmd.description, Source(MANUAL_SOURCE, str(uuid4()), cmd.document_ref or ""), cmd.lines)

    def work(session: Session) -> dict[str, Any]:
        entry_id = post_entry(session, entry, posted_by=actor.username, on_closed=OnClosed.REFUSE)
        assert entry_id is not None  # a new uuid is a new source
        return _detail(session, entry_id)

    return run_command(db, work)


def reverse_entry(db: Database, cmd: ReverseEntry, actor: Actor) -> dict[str, Any]:
    """Post the reversal of an entry (source ``reversal``, its reference the original's id), dated ``entry_date``
    (default today): the same lines, sides swapped, so every balance is as before the original. Once only."""
    today = utcnow().date()
    on = check_entry_date(cmd.entry_date or today, today)

    def work(session: Session) -> dict[str, Any]:
        original = journal.load_entry(session, cmd.entry_id)
        if original is None:
            raise EntryNotFound(f"journal entry {cmd.entry_id} does not exist")
        reversal = _reversal(cmd.entry_id, original, on, cmd.description)
        reversal_id = post_entry(session, reversal, posted_by=actor.username, on_closed=OnClosed.REFUSE)
        if reversal_id is None:
            raise AlreadyReversed(f"journal entry {cmd.entry_id} is reversed already")
        return _detail(session, reversal_id)

    return run_command(db, work)


def _reversal(entry_id: int, original: JournalEntry, on: date, description: str | None) -> JournalEntry:
    source = Source(REVERSAL_SOURCE, str(entry_id), entry_number(entry_id))
    reversal = reversal_of(entry_id, original, on, source)
    return reversal if description is None else replace(reversal, description=description)


def _detail(session: Session, entry_id: int) -> dict[str, Any]:
    found = queries.entry_detail(session, entry_id)
    if found is None:
        raise EntryNotFound(f"journal entry {entry_id} does not exist")
    return found


def get_entry(db: Database, entry_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return _detail(session, entry_id)
