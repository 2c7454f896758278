"""events: the audit log becomes the domain event outbox; booking limits; bookings made online

- audit_entries is renamed events. On PostgreSQL each event also records the transaction that
  wrote it (`xact`), so that the feed can wait for transactions that took a lower id but have not
  committed yet (storage.events).
- tenants and offerings may cap a member's upcoming bookings (max_upcoming_bookings).
- bookings.online: made by the member themself, which decides the capacity a promotion from the
  waiting list may fill (domain.capacity.promotions).

Revision ID: 0003_events_and_booking_limits
Revises: 0002_bookings_slot_person
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_events_and_booking_limits"
down_revision: str | None = "0002_bookings_slot_person"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_tenant_id")
    op.rename_table("audit_entries", "events")
    postgres = op.get_bind().dialect.name == "postgresql"
    xact_default = sa.text("(pg_current_xact_id()::text::bigint)") if postgres else None
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("xact", sa.BigInteger(), nullable=True, server_default=xact_default))
        batch_op.create_index("ix_events_tenant_id", ["tenant_id", "id"], unique=False)
    if postgres:
        op.execute("ALTER INDEX IF EXISTS pk_audit_entries RENAME TO pk_events")
        op.execute("ALTER SEQUENCE IF EXISTS audit_entries_id_seq RENAME TO events_id_seq")
        op.execute("ALTER TABLE events RENAME CONSTRAINT fk_audit_entries_tenant_id_tenants "
                   "TO fk_events_tenant_id_tenants")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_upcoming_bookings", sa.Integer(), nullable=True))
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_upcoming_bookings", sa.Integer(), nullable=True))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("online")
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.drop_column("max_upcoming_bookings")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("max_upcoming_bookings")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_tenant_id")
        batch_op.drop_column("xact")
    op.rename_table("events", "audit_entries")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_tenant_id", ["tenant_id", "id"], unique=False)
