"""Finance, the books: the chart of accounts (seeded with the standard chart), periods, journal entries and lines.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, ExactDecimal, UTCDateTime, utcnow
from psi_finance.domain.chart import STANDARD_CHART

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    accounts = op.create_table(
        "accounts",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32), nullable=True, unique=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("type IN ('asset', 'liability', 'equity', 'revenue', 'expense')", name="ck_accounts_type"),
    )
    op.create_table(
        "periods",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("reopened_by", sa.String(64), nullable=True),
        sa.Column("reopened_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_periods_status"),
    )
    _create_journal()
    _seed_chart(accounts)


def _create_journal() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=True, unique=True),
        sa.Column("entry_date", sa.Date, nullable=False),
        sa.Column(
            "period", sa.String(7), sa.ForeignKey("periods.period", name="fk_journal_entries_period"), nullable=False
        ),
        sa.Column("moved_from_period", sa.String(7), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source_kind", sa.String(64), nullable=False),
        sa.Column("source_ref", sa.String(100), nullable=False),
        sa.Column("document_ref", sa.String(100), nullable=True),
        sa.Column(
            "reverses",
            BigId,
            sa.ForeignKey("journal_entries.id", name="fk_journal_entries_reverses"),
            nullable=True,
            unique=True,
        ),
        sa.Column("posted_by", sa.String(64), nullable=False),
        sa.Column("posted_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source_kind", "source_ref", name="uq_journal_entries_source"),
    )
    op.create_index("ix_journal_entries_period", "journal_entries", ["period", "id"])
    op.create_index("ix_journal_entries_date", "journal_entries", ["entry_date", "id"])
    op.create_table(
        "journal_lines",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "entry_id", BigId, sa.ForeignKey("journal_entries.id", name="fk_journal_lines_entry"), nullable=False
        ),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column(
            "account", sa.String(32), sa.ForeignKey("accounts.code", name="fk_journal_lines_account"), nullable=False
        ),
        sa.Column("debit", ExactDecimal(), nullable=False),
        sa.Column("credit", ExactDecimal(), nullable=False),
        sa.Column("memo", sa.Text, nullable=True),
        sa.Column("party", sa.String(64), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("amount_currency", ExactDecimal(), nullable=True),
        sa.UniqueConstraint("entry_id", "line_no", name="uq_journal_lines"),
        sa.CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="ck_journal_lines_one_side"
        ),
    )
    op.create_index("ix_journal_lines_account", "journal_lines", ["account", "entry_id"])
    op.create_index("ix_journal_lines_party", "journal_lines", ["party", "account"])


def _seed_chart(accounts: sa.Table) -> None:
    """The standard chart as it is at this revision (a later change to it comes with its own migration)."""
    now = utcnow()
    op.bulk_insert(
        accounts,
        [
            {
                "code": a.code,
                "name": a.name,
                "type": a.type.value,
                "role": a.role.value if a.role else None,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for a in STANDARD_CHART
        ],
    )


def downgrade() -> None:
    op.drop_table("journal_lines")
    op.drop_table("journal_entries")
    op.drop_table("periods")
    op.drop_table("accounts")
