"""Failed logins slow down the next try, per account and per client address, across every worker
and host (the counts are in the database: storage/login_failures.py). Policy: domain/throttling.py,
reasons: docs/adr/0015-login-throttling.md.

Only a credential check that is not answered from the credential cache (ADR 0004) gets here, so a
login remembered as good costs nothing more; the database is read once with the account's own
look-up and written only after a failure (or after a success that follows failures).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bookable.api.errors import ApiError
from bookable.domain.throttling import ACCOUNT, ADDRESS
from bookable.storage import login_failures
from bookable.storage.database import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class LoginKeys:
    """What one login attempt counts against: its account, and where it came from (if known)."""

    account: str
    address: str | None

    @staticmethod
    def of(account: str, address: str | None) -> LoginKeys:
        return LoginKeys(_hashed("account", account), _hashed("address", address) if address else None)

    def all(self) -> list[str]:
        return [self.account] + ([self.address] if self.address else [])


def _hashed(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def too_many_attempts(seconds: int) -> ApiError:
    return ApiError(429, "too_many_attempts", f"Too many failed logins: try again in {seconds} seconds.",
                    headers={"Retry-After": str(seconds)})


class LoginThrottle:
    def __init__(self, database: Database) -> None:
        self.database = database

    def check(self, session: Session, keys: LoginKeys, now: datetime) -> int:
        """Refuse (429 with Retry-After) while the account or the address is held back; else the
        account's failures so far."""
        found = login_failures.standing(session, keys.all())
        if found.locked_until is not None and found.locked_until > now:
            raise too_many_attempts(max(1, math.ceil((found.locked_until - now).total_seconds())))
        return found.failures.get(keys.account, 0)

    def failed(self, keys: LoginKeys, now: datetime) -> None:
        login_failures.record_failure(self.database, keys.account, ACCOUNT, now)
        if keys.address:
            login_failures.record_failure(self.database, keys.address, ADDRESS, now)

    def succeeded(self, keys: LoginKeys) -> None:
        """A right password clears the account's failures (not the address's: one good login of
        the attacker's own must not buy more guesses at others)."""
        login_failures.forget(self.database, keys.account)
