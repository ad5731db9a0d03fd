"""Reservations per order revision: sales confirms an amended order again with a higher revision, and inventory
replaces the older revision's reservation with the new one (``domain/reservation_book.py``).

Every existing row is revision 1 (what an order was confirmed at before revisions, and what the API reserves).
The unique key becomes (reference, revision, line_no): the rows of a superseded revision stay, released.

Downgrading deletes the rows of superseded revisions (they hold nothing: released, or consumed by shipments the
ledger already booked), so that (reference, line_no) is unique again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("1")))
        batch.drop_constraint("uq_reservations_line", type_="unique")
        batch.create_unique_constraint("uq_reservations_revision_line", ["reference", "revision", "line_no"])


def downgrade() -> None:
    op.execute(
        "DELETE FROM reservations WHERE revision < "
        "(SELECT max(r.revision) FROM reservations r WHERE r.reference = reservations.reference)"
    )
    with op.batch_alter_table("reservations") as batch:
        batch.drop_constraint("uq_reservations_revision_line", type_="unique")
        batch.create_unique_constraint("uq_reservations_line", ["reference", "line_no"])
        batch.drop_column("revision")
