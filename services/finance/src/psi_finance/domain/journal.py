"""The journal (记账凭证) as a functional core: entries, their lines, and the rules every posting obeys.

* **Balanced in the base currency** or refused: the sum of the debits equals the sum of the credits, every line is
  a debit or a credit (never both, never zero), amounts have at most six decimals.
* **Immutable once posted.** A correction is a reversal (红冲): the same lines with debit and credit swapped, naming
  the entry it reverses; an entry is reversed at most once.
* **Traceable.** Every entry names its source: the event (type and id) or the user's document, and the business
  document's reference (GRN number, shipment number, ...), so any figure leads back to what caused it.
* Foreign-currency lines keep their currency and amount beside the base amount (documents keep their currency,
  the ledger is in the base currency).

Pure: no I/O. The service layer decides the period (domain/periods.py) and writes the entry (adapters/), all
through ``psi_finance.service.journal.post_entry``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from psi_chassis.decimals import ZERO, has_at_most_6_places
from psi_finance.domain.errors import (
    InvalidEntry,
    ReversalBeforeOriginal,
    ReversalNotReversible,
    UnbalancedEntry,
    UnknownAccount,
)

__all__ = [
    "MANUAL_SOURCE",
    "REVERSAL_SOURCE",
    "InvalidEntry",
    "JournalEntry",
    "JournalLine",
    "Source",
    "UnbalancedEntry",
    "UnknownAccount",
    "balances",
    "check_entry",
    "check_reversal",
    "entry_number",
    "reversal_of",
    "without_zero_lines",
]

#: The source kind of an accountant's manual entry (its reference: a new uuid).
MANUAL_SOURCE = "manual"
#: The source kind of a reversal posted by a person (its reference: the original entry's id).
REVERSAL_SOURCE = "reversal"
#: A line's amount is below this (the ledger's columns hold NUMERIC(24, 6)).
MAX_LINE_AMOUNT = Decimal(10) ** 15
#: The most lines one entry may have.
MAX_LINES = 1000
#: Text limits, as the journal's columns hold them.
MAX_DESCRIPTION, MAX_MEMO, MAX_PARTY, MAX_SOURCE_KIND, MAX_REF = 500, 500, 64, 64, 100


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
    """Refuse an entry that is not balanced, names an unknown or non-posting account, or has a bad line.

    Every problem of the lines is reported at once (``lines.<i>``); an entry whose only problem is accounts that do
    not take postings is ``UNKNOWN_ACCOUNT``, any other bad line ``INVALID_ENTRY``; a well-formed entry whose
    debits and credits differ is ``UNBALANCED_ENTRY``.
    """
    known = set(known_accounts)
    errors = _header_problems(entry)
    only_accounts = not errors
    for i, line in enumerate(entry.lines):
        shape = _line_problem(line)
        problem = (
            f"account {line.account} does not exist or does not take postings" if line.account not in known else shape
        )
        if problem is not None:
            errors[f"lines.{i}"] = [problem]
            only_accounts = only_accounts and shape is None
    if errors:
        error = UnknownAccount if only_accounts else InvalidEntry
        raise error("the entry has lines that cannot be posted; see errors", errors=errors)
    if entry.total_debit != entry.total_credit:
        raise UnbalancedEntry(
            f"debits {entry.total_debit:f} and credits {entry.total_credit:f} differ by "
            f"{entry.total_debit - entry.total_credit:f}: an entry balances in the base currency",
            errors={"lines": ["debits must equal credits"]},
        )


def _header_problems(entry: JournalEntry) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not 2 <= len(entry.lines) <= MAX_LINES:
        errors["lines"] = [f"an entry has at least two lines and at most {MAX_LINES}"]
    if not entry.description.strip() or len(entry.description) > MAX_DESCRIPTION:
        errors["description"] = [f"a description of 1 to {MAX_DESCRIPTION} characters"]
    source = entry.source
    if not source.kind.strip() or len(source.kind) > MAX_SOURCE_KIND:
        errors["source.kind"] = [f"a source kind of 1 to {MAX_SOURCE_KIND} characters"]
    if not source.ref.strip() or len(source.ref) > MAX_REF:
        errors["source.ref"] = [f"a source reference of 1 to {MAX_REF} characters"]
    if len(source.document) > MAX_REF:
        errors["source.document"] = [f"a document reference of at most {MAX_REF} characters"]
    return errors


def _line_problem(line: JournalLine) -> str | None:
    """What is wrong with a line whatever its account: its amounts, currency and text."""
    if line.debit < ZERO or line.credit < ZERO:
        return "debit and credit are not negative (the side says the direction)"
    if (line.debit == ZERO) == (line.credit == ZERO):
        return "a line is a debit or a credit: exactly one of them above 0"
    if not (has_at_most_6_places(line.debit) and has_at_most_6_places(line.credit)):
        return "amounts have at most six decimals"
    if max(line.debit, line.credit) >= MAX_LINE_AMOUNT:
        return f"a line's amount is below {MAX_LINE_AMOUNT:f}"
    return _text_and_currency_problem(line)


def _text_and_currency_problem(line: JournalLine) -> str | None:
    if line.memo is not None and len(line.memo) > MAX_MEMO:
        return f"a memo has at most {MAX_MEMO} characters"
    if line.party is not None and not 1 <= len(line.party) <= MAX_PARTY:
        return f"a party has 1 to {MAX_PARTY} characters"
    if (line.currency is None) != (line.amount_currency is None):
        return "a foreign-currency line gives both its currency and its amount in it"
    if line.currency is not None and not (len(line.currency) == 3 and line.currency.isalpha()):
        return "a currency is a three-letter code"
    amount = line.amount_currency
    if amount is not None and not (ZERO < amount < MAX_LINE_AMOUNT and has_at_most_6_places(amount)):
        return "the amount in the currency is above 0, with at most six decimals"
    return None


def entry_number(entry_id: int) -> str:
    """``JE-000001``: the entry's id, at least six digits (记账凭证号)."""
    return f"JE-{entry_id:06d}"


def check_reversal(original: JournalEntry, on: date) -> None:
    """A reversal (红冲) undoes an entry that is not itself a reversal, on or after the original's date.

    Why not reverse a reversal: it would bring the original back under another entry's number while the original
    stays "reversed"; an entry reversed by mistake is posted again instead, so every entry is undone at most once.
    """
    if original.reverses is not None:
        raise ReversalNotReversible(
            f"this entry reverses entry {original.reverses}: a reversal is not reversed; post the original again"
        )
    if on < original.entry_date:
        raise ReversalBeforeOriginal(
            f"a reversal is dated on or after the entry it reverses ({original.entry_date.isoformat()})",
            errors={"entry_date": [f"must not be before {original.entry_date.isoformat()}"]},
        )


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
