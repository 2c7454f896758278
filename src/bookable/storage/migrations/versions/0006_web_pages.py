"""The members' web pages: one-time form tokens, calendar feeds, the instance's own secrets, and a
tenant's default page language

Revision ID: 0006_web_pages
Revises: 0005_credential_revocation
Create Date: 2026-12-05 03:04:25.726057
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_web_pages"
down_revision: str | None = "0005_credential_revocation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instance_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_secrets")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_calendar_feeds_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_calendar_feeds_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_feeds_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "web_form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_web_form_submissions_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_web_form_submissions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_form_submissions")),
        sa.UniqueConstraint("person_id", "token", name=op.f("uq_web_form_submissions_person_id")),
    )
    with op.batch_alter_table("web_form_submissions", schema=None) as batch_op:
        batch_op.create_index("ix_web_form_submissions_created", ["created_at"], unique=False)

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("language")

    with op.batch_alter_table("web_form_submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_form_submissions_created")

    op.drop_table("web_form_submissions")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_person_id"))

    op.drop_table("calendar_feeds")
    op.drop_table("instance_secrets")
