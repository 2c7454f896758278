"""Failed logins by account and by client address, shared by every worker and host on the database
(api/login_throttle.py decides what to do with them). Rows are keyed by a hash of what they count,
so the table holds no login name or address."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bookable.domain.throttling import Policy
from bookable.storage.database import Database
from bookable.storage.models import LoginFailure


@dataclass(frozen=True)
class Standing:
    locked_until: datetime | None
    """The latest time any of the keys may not be tried before (None: none is held back)."""
    failures: dict[str, int]


def standing(session: Session, key_hashes: Sequence[str]) -> Standing:
    rows = session.execute(select(LoginFailure.key_hash, LoginFailure.failures, LoginFailure.locked_until)
                           .where(LoginFailure.key_hash.in_(key_hashes))).all()
    locks = [row.locked_until for row in rows if row.locked_until is not None]
    return Standing(max(locks) if locks else None, {row.key_hash: row.failures for row in rows})


def record_failure(database: Database, key_hash: str, policy: Policy, now: datetime) -> int:
    """One more failure under `key_hash` (the count starts again after `policy.forget_after`), and
    the time until which it is held back. One statement counts, so that concurrent failures on
    several workers each count."""
    insert = (sqlite.insert if database.is_sqlite else postgresql.insert)(LoginFailure)
    forgotten = LoginFailure.last_failure_at < now - policy.forget_after
    counted = insert.values(key_hash=key_hash, failures=1, last_failure_at=now).on_conflict_do_update(
        index_elements=[LoginFailure.key_hash],
        set_={"failures": case((forgotten, 1), else_=LoginFailure.failures + 1), "last_failure_at": now},
    ).returning(LoginFailure.failures)
    with database.session(write=True) as session:
        failures = int(session.execute(counted).scalar_one())
        delay = policy.delay_after(failures)
        if delay:
            session.execute(update(LoginFailure).where(LoginFailure.key_hash == key_hash)
                            .values(locked_until=now + delay))
        session.commit()
    return failures


def forget(database: Database, key_hash: str) -> None:
    with database.session(write=True) as session:
        session.execute(delete(LoginFailure).where(LoginFailure.key_hash == key_hash))
        session.commit()
