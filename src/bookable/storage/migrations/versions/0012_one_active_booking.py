"""One active booking per person and slot, kept by the database: a unique partial index on
bookings (slot_id, person_id) for confirmed, reserved and waitlisted bookings, in place of the
plain index the double-booking check used. On PostgreSQL a booking's checks are read in its
locking statement, whose snapshot predates its wait for the lock; the index refuses the booking
of a person whose other booking on the slot committed during that wait (ADR 0024).

Revision ID: 0012_one_active_booking
Revises: 0011_person_language
Create Date: 2026-12-05 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookable.storage.models import ACTIVE_BOOKING
from bookable.storage.schema import UpgradeRefused

revision: str = "0012_one_active_booking"
down_revision: str | None = "0011_person_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUPLICATES = sa.text(f"""
    SELECT slot_id, person_id, count(*) AS active FROM bookings
    WHERE slot_id IS NOT NULL AND {ACTIVE_BOOKING.text}
    GROUP BY slot_id, person_id HAVING count(*) > 1 ORDER BY slot_id, person_id LIMIT 10""")


def upgrade() -> None:
    duplicates = op.get_bind().execute(DUPLICATES).all()
    if duplicates:
        listed = "; ".join(f"slot {row.slot_id}, person {row.person_id}: {row.active}" for row in duplicates)
        raise UpgradeRefused(
            "Some people hold more than one active booking on the same slot, which bookable no longer "
            f"allows ({listed}). Cancel the extra bookings, then upgrade again.")
    op.create_index("ux_bookings_slot_person_active", "bookings", ["slot_id", "person_id"], unique=True,
                    sqlite_where=ACTIVE_BOOKING, postgresql_where=ACTIVE_BOOKING)
    op.drop_index("ix_bookings_slot_person", table_name="bookings")


def downgrade() -> None:
    op.create_index("ix_bookings_slot_person", "bookings", ["slot_id", "person_id"], unique=False)
    op.drop_index("ux_bookings_slot_person_active", table_name="bookings")
