"""The highest queue number a slot's bookings have taken, kept on the slot's row by the triggers
that keep its counters (ADR 0020, amended): a booking that joins the waiting list reads its place
with the slot's lock instead of seeking the maximum among the slot's bookings in a round trip of
its own.

Revision ID: 0013_last_queue_number
Revises: 0012_one_active_booking
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookable.storage import slot_counters

revision: str = "0013_last_queue_number"
down_revision: str | None = "0012_one_active_booking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    slot_counters.drop_triggers(connection)
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column(slot_counters.LAST_QUEUE_NUMBER, sa.BigInteger(), nullable=False,
                                      server_default="0"))
    slot_counters.recount(connection, counters=[slot_counters.LAST_QUEUE_NUMBER])
    slot_counters.create_triggers(connection)


def downgrade() -> None:
    connection = op.get_bind()
    slot_counters.drop_triggers(connection)
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.drop_column(slot_counters.LAST_QUEUE_NUMBER)
    slot_counters.create_triggers(connection, queue=False)
