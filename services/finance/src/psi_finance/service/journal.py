"""The one way into the journal: :func:`post_entry`, and :func:`account_for` so rules name accounts by role.

Every posting goes through :func:`post_entry`: an accountant's manual entry and a reversal (service/entries.py)
and the event postings (service/on_*_events.py, inside the consumer's unit of work). It works in the caller's
session and never commits: a command commits through ``run_command``, an event handler with the consumer's
inbox claim, so the entry and what caused it are one transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.types import utcnow
from psi_finance.adapters import accounts, periods
from psi_finance.adapters import journal as store
from psi_finance.domain.chart import Role
from psi_finance.domain.errors import AlreadyReversed, EntryNotFound, NoAccountForRole
from psi_finance.domain.journal import JournalEntry, check_entry, check_reversal
from psi_finance.domain.periods import OnClosed, PeriodStatus, period_of, posting_period


def post_entry(
    session: Session, entry: JournalEntry, *, posted_by: str, on_closed: OnClosed = OnClosed.MOVE_FORWARD
) -> int | None:
    """Post ``entry`` in the caller's transaction and return its id; None, writing nothing, when an entry for the
    same source (kind, ref) exists already: a source posts exactly once, however often its event comes.

    The entry is checked first (balanced, every account active; a reversal may name a deactivated account: it
    only undoes what the account holds) and so is a reversal (domain/journal.py ``check_reversal``, and an entry
    is reversed once: ``ALREADY_REVERSED``). It posts into the month of its ``entry_date`` when that is open
    (created open on first use); into a closed one never: ``on_closed`` says whether it moves on to the next open
    month (events, the default; ``moved_from_period`` says so) or is refused (``PERIOD_CLOSED``, people).
    Raises a problem error (422/409) for an entry that cannot be posted; the caller's transaction is then to be
    rolled back, as any error would.
    """
    if store.entry_for_source(session, entry.source) is not None:
        return None
    codes = {line.account for line in entry.lines}
    check_entry(entry, accounts.existing_codes(session, codes, active_only=entry.reverses is None))
    if entry.reverses is not None:
        _check_reversal(session, entry)
    period, moved_from = _posting_period(session, entry, on_closed)
    return store.insert_entry(
        session, entry, period=period, moved_from_period=moved_from, posted_by=posted_by, posted_at=utcnow()
    )


def _check_reversal(session: Session, entry: JournalEntry) -> None:
    """The original exists, may be reversed on the reversal's date, and is not reversed yet. Its row is locked
    until the transaction ends, so two reversals of one entry queue and the second finds the first."""
    assert entry.reverses is not None
    original = store.load_entry(session, entry.reverses, lock=True)
    if original is None:
        raise EntryNotFound(f"journal entry {entry.reverses} does not exist")
    check_reversal(original, entry.entry_date)
    if (reversal := store.reversed_by(session, entry.reverses)) is not None:
        raise AlreadyReversed(f"journal entry {entry.reverses} is reversed already, by entry {reversal}")


def _posting_period(session: Session, entry: JournalEntry, on_closed: OnClosed) -> tuple[str, str | None]:
    """The open period to post into (domain/periods.py), its row held FOR SHARE so it cannot close under us.

    A period closed between reading the closed ones and locking the chosen one is found closed under the lock;
    the choice is then made again with it counted as closed.
    """
    while True:
        closed = periods.closed_from(session, period_of(entry.entry_date))
        period, moved_from = posting_period(entry.entry_date, closed, on_closed)
        periods.ensure(session, period)
        if periods.status_for_posting(session, period) is PeriodStatus.OPEN:
            return period, moved_from


_ROLES_KEY = "psi_finance.account_for"


def account_for(session: Session, role: Role) -> str:
    """The code of the active account that holds ``role`` (posting rules name accounts by role, never by code).

    Remembered for the life of ``session`` (one unit of work): a batch of events asks the chart once per role.
    ``NO_ACCOUNT_FOR_ROLE`` (409) when no active account holds it.
    """
    known: dict[Role, str] = session.info.setdefault(_ROLES_KEY, {})
    if role not in known:
        code = accounts.code_for_role(session, role)
        if code is None:
            raise NoAccountForRole(f"no active account holds the role {role.value}: give it to one in the chart")
        known[role] = code
    return known[role]
