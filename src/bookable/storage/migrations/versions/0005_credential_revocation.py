"""users.disabled, api_keys.revoked_at, and credential_changes: a counter every worker watches

Disabling a user, resetting a password or revoking an API key counts one more change; each worker
reads the counter about once a second and forgets what its credential cache remembered when it
has moved (docs/adr/0004-credential-cache.md, amendment of issue 28).

Revision ID: 0005_credential_revocation
Revises: 0004_login_throttle_cors
Create Date: 2026-12-05 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_credential_revocation"
down_revision: str | None = "0004_login_throttle_cors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    changes = op.create_table(
        "credential_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_changes")),
    )
    op.bulk_insert(changes, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("credential_changes")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("disabled")
