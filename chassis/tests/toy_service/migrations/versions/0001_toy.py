"""The toy service of the chassis tests: the messaging tables and one table its handler appends to."""

import sqlalchemy as sa
from alembic import op

from psi_chassis.messaging_tables import create_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "applied",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("applied")
