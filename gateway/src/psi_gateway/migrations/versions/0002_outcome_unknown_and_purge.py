"""Idempotency keys remember an unknown outcome; refresh tokens can be purged by expiry cheaply.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Set when the first request with a key got no definite answer: a retry is refused instead of run again.
    op.add_column("idempotency_keys", sa.Column("unknown_reason", sa.String(300), nullable=True))
    op.create_index("ix_refresh_tokens_expires_at", "refresh_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_refresh_tokens_expires_at", table_name="refresh_tokens")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("unknown_reason")
