"""What a slot holds and what waits on it, kept on the slot's row by triggers on bookings
(storage.slot_counters, ADR 0020): the columns, their backfill from the bookings, the triggers

Revision ID: 0009_slot_counters
Revises: 0006_web_pages
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookable.storage import slot_counters

revision: str = "0009_slot_counters"
down_revision: str | None = "0008_email_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        for name in slot_counters.COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    connection = op.get_bind()
    slot_counters.recount(connection, counters=slot_counters.COUNTERS)
    slot_counters.create_triggers(connection, queue=False)  # the last queue number comes with 0013


def downgrade() -> None:
    slot_counters.drop_triggers(op.get_bind())
    with op.batch_alter_table("slots", schema=None) as batch_op:
        for name in reversed(slot_counters.COUNTERS):
            batch_op.drop_column(name)
