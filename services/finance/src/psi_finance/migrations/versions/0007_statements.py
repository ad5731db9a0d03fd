"""Finance issue 12: statements kept at period close.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from psi_chassis.types import BigId, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("kept_by", sa.String(64), nullable=False),
        sa.Column("kept_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('trial_balance', 'profit_and_loss', 'balance_sheet')", name="ck_statements_kind"),
        sa.UniqueConstraint("period", "kind", "version", name="uq_statements_version"),
    )


def downgrade() -> None:
    op.drop_table("statements")
