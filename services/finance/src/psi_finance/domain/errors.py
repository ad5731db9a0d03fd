"""Finance's refusals, each with a stable problem code (rendered as application/problem+json)."""

from __future__ import annotations

from psi_chassis.errors import Conflict, InvalidStatus, NotFound, RuleViolation

# --- the journal -----------------------------------------------------------------------------------------------


class InvalidEntry(RuleViolation):
    """An entry with a line that cannot be posted (a bad amount, too few lines, text too long)."""

    default_code = "INVALID_ENTRY"


class UnknownAccount(InvalidEntry):
    """An entry names an account that does not exist or is deactivated (and nothing else is wrong with it)."""

    default_code = "UNKNOWN_ACCOUNT"


class UnbalancedEntry(RuleViolation):
    """Debits and credits differ in the base currency."""

    default_code = "UNBALANCED_ENTRY"


class EntryNotFound(NotFound):
    default_code = "JOURNAL_ENTRY_NOT_FOUND"


class AlreadyReversed(Conflict):
    """An entry is reversed (红冲) at most once."""

    default_code = "ALREADY_REVERSED"


class ReversalNotReversible(Conflict):
    """A reversal is not reversed in turn: the original is posted again instead."""

    default_code = "REVERSAL_NOT_REVERSIBLE"


class ReversalBeforeOriginal(RuleViolation):
    """A reversal is not dated before the entry it reverses."""

    default_code = "REVERSAL_BEFORE_ORIGINAL"


# --- periods ---------------------------------------------------------------------------------------------------


class InvalidPeriod(RuleViolation):
    """A period is named ``YYYY-MM`` (a month from 2000-01)."""

    default_code = "INVALID_PERIOD"


class PeriodClosed(Conflict):
    """A person's entry (manual, reversal) dated in a closed period: it is refused, never moved."""

    default_code = "PERIOD_CLOSED"


class PeriodAlreadyClosed(InvalidStatus):
    default_code = "PERIOD_ALREADY_CLOSED"


class PeriodNotClosed(InvalidStatus):
    default_code = "PERIOD_NOT_CLOSED"


class PeriodNotStarted(Conflict):
    """A month that has not begun is not closed (event postings would skip it)."""

    default_code = "PERIOD_NOT_STARTED"


# --- the chart of accounts -------------------------------------------------------------------------------------


class AccountNotFound(NotFound):
    default_code = "ACCOUNT_NOT_FOUND"


class AccountCodeTaken(Conflict):
    """A code names one account for ever: an existing (or deactivated) account's code is not given again."""

    default_code = "ACCOUNT_CODE_TAKEN"


class AccountInUse(Conflict):
    """An account with postings is never deleted (deactivate it instead)."""

    default_code = "ACCOUNT_IN_USE"


class AccountHasRole(Conflict):
    """The posting rules post to this account by its role: give the role to another account first."""

    default_code = "ACCOUNT_HAS_ROLE"


class NoAccountForRole(Conflict):
    """No active account holds the role a posting rule asks for (the chart is missing it)."""

    default_code = "NO_ACCOUNT_FOR_ROLE"
