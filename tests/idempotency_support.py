"""What a retry sees while the first request with its Idempotency-Key is still being answered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from bookable.storage.models import IdempotencyRecord


def still_running(database: Any, key: str) -> None:
    """Mark the request kept under `key` as not finished yet, as it is while a slow first request
    runs: the next request with the key finds it in progress. Keys are unique per test (uuid)."""
    with database.session(write=True) as session:
        session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key).values(state="running"))
        session.commit()
