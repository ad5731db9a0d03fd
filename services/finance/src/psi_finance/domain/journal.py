"""The journal (记账凭证) as a functional core: entries, their lines, and the rules every posting obeys.

* **Balanced in the base currency** or refused: the sum of the debits equals the sum of the credits, every line is
  a debit or a credit (never both, never zero), amounts have at most six decimals.
* **Immutable once posted.** A correction is a reversal (红冲): the same lines with debit and credit swapped, naming
  the entry it reverses; an entry is reversed at most once.
* **Traceable.** Every entry names its source: the event (type and id) or the user's document, and the business
  document's reference (GRN number, shipment number, ...), so any figure leads back to what caused it.
* Foreign-currency lines keep their currency and amount beside the base amount (documents keep their currency,
  the ledger is in the base currency).

Pure: no I/O. The service layer decides the period (domain/periods.py) and writes the entry (adapters/).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from psi_chassis.decimals import ZERO, has_at_most_6_places
from psi_chassis.errors import RuleViolation


class UnbalancedEntry(RuleViolation):
    default_code = "UNBALANCED_ENTRY"


class InvalidEntry(RuleViolation):
    default_code = "INVALID_ENTRY"


@dataclass(frozen=True)
class JournalLine:
    """One side of an entry on one account, in the base currency; ``party`` names a customer or supplier for
    the receivable and payable accounts (``customer:12``, ``supplier:7``)."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str | None = None
    party: str | None = None
    currency: str | None = None
    """The document's currency when it is not the base currency."""
    amount_currency: Decimal | None = None
    """The line's amount in ``currency`` (positive; its side is the line's)."""

    @property
    def signed(self) -> Decimal:
        """Debit positive, credit negative."""
        return self.debit - self.credit

    def swapped(self) -> JournalLine:
        return replace(self, debit=self.credit, credit=self.debit)


@dataclass(frozen=True)
class Source:
    """Where an entry comes from: an event (``kind`` = its type, ``ref`` = its id) or a person's document
    (``kind`` = ``manual``, ``reversal``, ``bill``, ...); ``document`` is the business document's reference."""

    kind: str
    ref: str
    document: str


@dataclass(frozen=True)
class JournalEntry:
    entry_date: date
    """The business date (valid time) the entry belongs to; the period it posts into may be later."""
    description: str
    source: Source
    lines: tuple[JournalLine, ...] = field(default_factory=tuple)
    reverses: int | None = None
    """The id of the entry this one reverses (红冲)."""

    @property
    def total_debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), ZERO)


def check_entry(entry: JournalEntry, known_accounts: Iterable[str]) -> None:
    """Refuse an entry that is not balanced, names an unknown or non-posting account, or has a bad line."""
    errors: dict[str, list[str]] = {}
    known = set(known_accounts)
    if len(entry.lines) < 2:
        errors["lines"] = ["an entry has at least two lines"]
    for i, line in enumerate(entry.lines):
        problem = _line_problem(line, known)
        if problem is not None:
            errors[f"lines.{i}"] = [problem]
    if errors:
        raise InvalidEntry("the entry has lines that cannot be posted; see errors", errors=errors)
    if entry.total_debit != entry.total_credit:
        raise UnbalancedEntry(
            f"debits {entry.total_debit:f} and credits {entry.total_credit:f} differ by "
            f"{entry.total_debit - entry.total_credit:f}: an entry balances in the base currency",
            errors={"lines": ["debits must equal credits"]},
        )


def _line_problem(line: JournalLine, known: set[str]) -> str | None:
    if line.account not in known:
        return f"account {line.account} does not exist or does not take postings"
    if line.debit < ZERO or line.credit < ZERO:
        return "debit and credit are not negative (the side says the direction)"
    if (line.debit == ZERO) == (line.credit == ZERO):
        return "a line is a debit or a credit: exactly one of them above 0"
    if not (has_at_most_6_places(line.debit) and has_at_most_6_places(line.credit)):
        return "amounts have at most six decimals"
    return None


def reversal_of(entry_id: int, entry: JournalEntry, on: date, source: Source) -> JournalEntry:
    """The entry that undoes ``entry`` (红冲): the same accounts, parties and amounts, sides swapped."""
    return JournalEntry(
        entry_date=on,
        description=f"reversal of entry {entry_id}: {entry.description}",
        source=source,
        lines=tuple(line.swapped() for line in entry.lines),
        reverses=entry_id,
    )


def balances(lines: Sequence[JournalLine]) -> dict[str, Decimal]:
    """Signed balance per account (debit positive)."""
    out: dict[str, Decimal] = {}
    for line in lines:
        out[line.account] = out.get(line.account, ZERO) + line.signed
    return out


def without_zero_lines(lines: Iterable[JournalLine]) -> tuple[JournalLine, ...]:
    """Drop lines whose amount is zero (a rule may produce them: no tax, no variance)."""
    return tuple(ln for ln in lines if ln.debit != ZERO or ln.credit != ZERO)
