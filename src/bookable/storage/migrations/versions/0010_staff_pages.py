"""The staff pages: one-time form tokens of staff users

Revision ID: 0010_staff_pages
Revises: 0006_web_pages
Create Date: 2026-12-05 06:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_staff_pages"
down_revision: str | None = "0009_slot_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_form_submissions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_form_submissions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_form_submissions")),
        sa.UniqueConstraint("user_id", "token", name=op.f("uq_staff_form_submissions_user_id")),
    )
    with op.batch_alter_table("staff_form_submissions", schema=None) as batch_op:
        batch_op.create_index("ix_staff_form_submissions_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_form_submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_form_submissions_created")
    op.drop_table("staff_form_submissions")
