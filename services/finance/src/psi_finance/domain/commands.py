"""What a caller of the finance API asks for (frozen dataclasses); the handlers in service/ carry them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from psi_finance.domain.chart import AccountType, Role
from psi_finance.domain.journal import JournalLine


@dataclass(frozen=True)
class CreateAccount:
    code: str
    name: str
    type: AccountType
    role: Role | None = None


@dataclass(frozen=True)
class PostManualEntry:
    """An accountant's entry (手工凭证): balanced lines on a business date, refused in a closed period."""

    entry_date: date | None
    """Default: today (UTC)."""
    description: str
    lines: tuple[JournalLine, ...]
    document_ref: str | None = None
    """The paper it comes from (an invoice, a bank statement), if any."""


@dataclass(frozen=True)
class ReverseEntry:
    """Undo an entry (红冲) with the same lines, sides swapped, on a date (default today)."""

    entry_id: int
    entry_date: date | None = None
    description: str | None = None
