"""Sales issue 12: the replica of finance's exchange rates (finance.ExchangeRateSet.v1).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import ExactDecimal, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Newest version per (currency, valid_from) wins; rate_key is that pair as one value ("USD:2025-03-03").
    op.create_table(
        "exchange_rates",
        sa.Column("rate_key", sa.String(16), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("rate", ExactDecimal(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        # also the index of the lookup: the latest valid_from on or before a date, per currency
        sa.UniqueConstraint("currency", "valid_from", name="uq_exchange_rates_currency_valid_from"),
        sa.CheckConstraint("rate > 0", name="ck_exchange_rates_rate"),
    )


def downgrade() -> None:
    op.drop_table("exchange_rates")
