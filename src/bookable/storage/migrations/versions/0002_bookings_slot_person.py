"""bookings (slot_id, person_id): the double-booking check seeks one person's booking on a slot

Without it the check ran on (slot_id, status) and read every active booking of the slot: 1,400
on the benchmark's race slot, under SQLite's write lock.

Revision ID: 0002_bookings_slot_person
Revises: 0001_initial
Create Date: 2026-11-22 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_bookings_slot_person"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_slot_person", ["slot_id", "person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_slot_person")
