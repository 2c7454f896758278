"""Idempotency records: the same key with the same request replays the first response; with a
different request it is refused (422); while the first is still running, 409.

A request claims its key first (a `running` record, in a transaction of its own). Its outcome is
then stored with the change it made, in the change's own transaction (`finish_in`), so a client
that holds its answer always gets the replay, and a process that dies after the change has
committed leaves the replay behind, never a key stuck running. A request that changed nothing (it
failed) stores its answer before the answer is sent (`finish`). A claim left `running` by a process
that died before committing anything is taken over by a retry once its lease has run out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from bookable.storage.database import Database
from bookable.storage.models import IdempotencyRecord


def lease_seconds() -> float:
    """How long a claim may stay `running` before a retry may take it over: longer than any request
    can run (a write waits at most 60 s for SQLite's write lock). The `idempotency_lease_seconds`
    setting (bookable.settings), which the CLI hands on in the environment."""
    return float(os.environ.get("BOOKABLE_IDEMPOTENCY_LEASE_SECONDS", "120"))


class Refusal(StrEnum):
    IN_PROGRESS = "in_progress"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Stored:
    status: int
    content_type: str
    body: bytes
    headers: list[list[str]]


@dataclass(frozen=True)
class Claim:
    """A key this request holds while it runs."""

    scope: str
    key: str


def claim(database: Database, scope: str, key: str, fingerprint: str) -> Claim | Stored | Refusal:
    """Claim: the caller goes ahead. Stored: replay it. Refusal: refuse."""
    now = datetime.now(UTC)
    with database.session(write=True) as session:
        session.add(IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint, state="running", created_at=now))
        try:
            session.commit()
            return Claim(scope, key)
        except IntegrityError:
            session.rollback()
        record = session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        )
        if record is None:  # deleted meanwhile (a 5xx): the caller may try again
            return Refusal.IN_PROGRESS
        if record.fingerprint != fingerprint:
            return Refusal.MISMATCH
        if record.state == "running":
            return _take_over(session, record, now) or Refusal.IN_PROGRESS
        return Stored(
            record.status_code or 200,
            record.content_type or "application/octet-stream",
            record.body or b"",
            record.headers or [],
        )


def _take_over(session: object, record: IdempotencyRecord, now: datetime) -> Claim | None:
    """A claim whose lease has run out was left by a request that never committed: take it, unless
    another retry took it first."""
    if record.created_at > now - timedelta(seconds=lease_seconds()):
        return None
    taken = session.execute(  # type: ignore[attr-defined]
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record.id, IdempotencyRecord.state == "running",
               IdempotencyRecord.created_at == record.created_at)
        .values(created_at=now))
    session.commit()  # type: ignore[attr-defined]
    return Claim(record.scope, record.key) if taken.rowcount == 1 else None


def _done(status: int, content_type: str, body: bytes, headers: list[list[str]] | None) -> dict[str, object]:
    return {"state": "done", "status_code": status, "content_type": content_type, "body": body,
            "headers": headers or []}


def _where(claim: Claim) -> tuple[object, ...]:
    return (IdempotencyRecord.scope == claim.scope, IdempotencyRecord.key == claim.key)


def finish_in(connection: Connection, claim: Claim, status: int, content_type: str, body: bytes,
              headers: list[list[str]] | None = None) -> None:
    """Store the response in the transaction of the change it answers."""
    connection.execute(update(IdempotencyRecord).where(*_where(claim))  # type: ignore[arg-type]
                       .values(**_done(status, content_type, body, headers)))


def finish(database: Database, claim: Claim, status: int, content_type: str, body: bytes,
           headers: list[list[str]] | None = None) -> None:
    """Keep the response of a request that changed nothing, unless the server failed (then the key
    is released, so that the call may be retried)."""
    with database.session(write=True) as session:
        if status >= 500:
            session.execute(delete(IdempotencyRecord).where(*_where(claim)))  # type: ignore[arg-type]
        else:
            session.execute(update(IdempotencyRecord)
                            .where(*_where(claim), IdempotencyRecord.state == "running")  # type: ignore[arg-type]
                            .values(**_done(status, content_type, body, headers)))
        session.commit()
