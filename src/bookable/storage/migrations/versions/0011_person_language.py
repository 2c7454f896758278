"""A person's language: the one they use on the pages, for their emails (none: the tenant's)

Revision ID: 0011_person_language
Revises: 0010_staff_pages
Create Date: 2026-12-05 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_person_language"
down_revision: str | None = "0010_staff_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("language")
