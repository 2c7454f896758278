"""The credential-changes counter (ADR 0004, amendment of issue 28).

Every change that must end a remembered login at once (a user disabled, a password reset, an API
key revoked) counts one more in the same transaction. Each worker reads the counter about once a
second, off the request path, and expires everything its credential cache remembers when it moved:
one tiny read per second per worker, across processes and hosts alike, and nothing per request.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from bookable.storage.models import CredentialChanges

_ROW = 1


def count_change(session: Session) -> None:
    session.execute(update(CredentialChanges).where(CredentialChanges.id == _ROW)
                    .values(version=CredentialChanges.version + 1))


def changes_so_far(connection: Connection) -> int:
    return int(connection.scalar(select(CredentialChanges.version).where(CredentialChanges.id == _ROW)) or 0)
