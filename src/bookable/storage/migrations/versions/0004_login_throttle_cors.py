"""login_failures (login throttling), tenants.cors_origins (BRP from browsers), persons by lower(email)

Revision ID: 0004_login_throttle_cors
Revises: 0003_events_and_booking_limits
Create Date: 2026-12-05 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_login_throttle_cors"
down_revision: str | None = "0003_events_and_booking_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cors_origins", sa.JSON(), nullable=True))
    op.create_index("ix_persons_tenant_email_lower", "persons", ["tenant_id", sa.text("lower(email)")], unique=False)


def downgrade() -> None:
    op.drop_index("ix_persons_tenant_email_lower", table_name="persons")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("cors_origins")
    op.drop_table("login_failures")
