"""The statements kept at period close (beside the journal, adapters/tables.py, the same metadata).

When a period is closed its trial balance, its profit and loss and its balance sheet at month end are kept here as
the API shows them (JSON, decimals as strings): what the books said when they were closed. Closing again after a
reopen keeps a new version of each beside the old ones (``version`` 1, 2, ... per period), never overwrites.
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Integer, String, Table, UniqueConstraint

from psi_chassis.types import BigId, UTCDateTime
from psi_finance.adapters.tables import metadata

statements = Table(
    "statements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("kept_by", String(64), nullable=False),
    Column("kept_at", UTCDateTime(), nullable=False),
    CheckConstraint("kind IN ('trial_balance', 'profit_and_loss', 'balance_sheet')", name="ck_statements_kind"),
    UniqueConstraint("period", "kind", "version", name="uq_statements_version"),
)
