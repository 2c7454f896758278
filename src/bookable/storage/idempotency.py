"""Idempotency records: the same key with the same request replays the first response; with a
different request it is refused (422); while the first is still running, 409."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bookable.storage.database import Database
from bookable.storage.models import IdempotencyRecord


class Refusal(StrEnum):
    IN_PROGRESS = "in_progress"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Stored:
    status: int
    content_type: str
    body: bytes
    headers: list[list[str]]


def claim(database: Database, scope: str, key: str, fingerprint: str) -> Stored | Refusal | None:
    """None: the caller goes ahead. Stored: replay it. Refusal: refuse."""
    with database.session(write=True) as session:
        session.add(
            IdempotencyRecord(
                scope=scope, key=key, fingerprint=fingerprint, state="running", created_at=datetime.now(UTC)
            )
        )
        try:
            session.commit()
            return None
        except IntegrityError:
            session.rollback()
        record = session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        )
        if record is None:
            return Refusal.IN_PROGRESS
        if record.fingerprint != fingerprint:
            return Refusal.MISMATCH
        if record.state == "running":
            return Refusal.IN_PROGRESS
        return Stored(
            record.status_code or 200,
            record.content_type or "application/octet-stream",
            record.body or b"",
            record.headers or [],
        )


def finish(
    database: Database,
    scope: str,
    key: str,
    status: int,
    content_type: str,
    body: bytes,
    headers: list[list[str]] | None = None,
) -> None:
    """Keep the response to replay, unless the server failed (then the key may be retried)."""
    with database.session(write=True) as session:
        where = (IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        if status >= 500:
            session.execute(delete(IdempotencyRecord).where(*where))
        else:
            record = session.scalar(select(IdempotencyRecord).where(*where))
            if record is not None:
                record.state, record.status_code = "done", status
                record.content_type, record.body, record.headers = content_type, body, headers or []
        session.commit()
