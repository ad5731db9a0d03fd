"""Finance's tables (the outbox and inbox come from the chassis, see migrations/versions/0001_initial.py)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime

metadata = MetaData()

#: The chart of accounts (会计科目表), seeded with domain/chart.py's STANDARD_CHART. A role names the account a
#: posting rule posts to; at most one account holds a role. A code is never given to another account.
accounts = Table(
    "accounts",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(16), nullable=False),
    Column("role", String(32), nullable=True, unique=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("type IN ('asset', 'liability', 'equity', 'revenue', 'expense')", name="ck_accounts_type"),
)

#: Accounting periods (会计期间), one row per month once used; closed: nothing posts into it.
periods = Table(
    "periods",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("status", String(8), nullable=False),
    Column("closed_by", String(64), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("reopened_by", String(64), nullable=True),
    Column("reopened_at", UTCDateTime(), nullable=True),
    CheckConstraint("status IN ('open', 'closed')", name="ck_periods_status"),
)

#: Journal entries (记账凭证), JE-000001, immutable once posted; one per source (kind, ref), reversed at most once.
journal_entries = Table(
    "journal_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=True, unique=True),
    Column("entry_date", Date, nullable=False),
    Column("period", String(7), ForeignKey("periods.period", name="fk_journal_entries_period"), nullable=False),
    Column("moved_from_period", String(7), nullable=True),
    Column("description", Text, nullable=False),
    Column("source_kind", String(64), nullable=False),
    Column("source_ref", String(100), nullable=False),
    Column("document_ref", String(100), nullable=True),
    Column(
        "reverses",
        BigId,
        ForeignKey("journal_entries.id", name="fk_journal_entries_reverses"),
        nullable=True,
        unique=True,
    ),
    Column("posted_by", String(64), nullable=False),
    Column("posted_at", UTCDateTime(), nullable=False),
    UniqueConstraint("source_kind", "source_ref", name="uq_journal_entries_source"),
    Index("ix_journal_entries_period", "period", "id"),
    Index("ix_journal_entries_date", "entry_date", "id"),
)

#: An entry's lines: a debit or a credit (never both, never zero) on one account, in the base currency.
journal_lines = Table(
    "journal_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("entry_id", BigId, ForeignKey("journal_entries.id", name="fk_journal_lines_entry"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("account", String(32), ForeignKey("accounts.code", name="fk_journal_lines_account"), nullable=False),
    Column("debit", ExactDecimal(), nullable=False),
    Column("credit", ExactDecimal(), nullable=False),
    Column("memo", Text, nullable=True),
    Column("party", String(64), nullable=True),
    Column("currency", String(3), nullable=True),
    Column("amount_currency", ExactDecimal(), nullable=True),
    UniqueConstraint("entry_id", "line_no", name="uq_journal_lines"),
    CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="ck_journal_lines_one_side"),
    Index("ix_journal_lines_account", "account", "entry_id"),
    Index("ix_journal_lines_party", "party", "account"),
)
