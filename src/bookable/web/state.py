"""What the web pages keep per worker: the session cookies' signer, and tenant
sites and member checks remembered for a minute (as api.auth remembers credentials)."""

from __future__ import annotations

import asyncio
import hashlib

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from bookable.api.auth import Remembered
from bookable.storage.database import Database
from bookable.storage.queries.web import Choices, Site
from bookable.web import engine
from bookable.web.secret import secret_key
from bookable.web.session import Session, SessionCookies


def password_proof(password_hash: str | None) -> str:
    """A short fingerprint of a stored password hash: a session carries it, and ends when it changes."""
    return hashlib.blake2b((password_hash or "").encode(), digest_size=9).hexdigest()


class WebState:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._sites: Remembered[str, Site] = Remembered(ttl=60.0, size=10_000)
        self._members: Remembered[tuple[int, int], str] = Remembered(ttl=60.0, size=50_000)
        self._choices: Remembered[int, Choices] = Remembered(ttl=60.0, size=10_000)
        self._cookies: SessionCookies | None = None
        self._cookies_lock = asyncio.Lock()

    async def cookies(self) -> SessionCookies:
        """Made at the first page: the key may be read from (or stored in) the database."""
        if self._cookies is None:
            async with self._cookies_lock:
                if self._cookies is None:
                    self._cookies = SessionCookies(await run_in_threadpool(secret_key, self.database))
        return self._cookies

    @property
    def cookie_signer(self) -> SessionCookies | None:
        return self._cookies

    async def site(self, slug: str) -> Site | None:
        known = self._sites.get(slug)
        if known is not None:
            return known
        found = await engine.site(self.database, slug)
        if found is not None:
            self._sites.put(slug, found)
        return found

    def forget_site(self, slug: str) -> None:
        """After a settings change: this worker shows it at once (others within a minute)."""
        self._sites.forget(slug)

    async def filter_choices(self, tenant_id: int) -> Choices:
        """What the timetable filters by: a renamed venue or a new instructor shows within a minute."""
        known = self._choices.get(tenant_id)
        if known is None:
            known = await engine.filter_choices(self.database, tenant_id)
            self._choices.put(tenant_id, known)
        return known

    async def member_still_valid(self, session: Session) -> bool:
        """The session's member still exists with the password they logged in with."""
        assert session.person_id is not None
        key = (session.tenant_id, session.person_id)
        proof = self._members.get(key)
        if proof is None:
            proof = password_proof(await engine.password_hash_of(self.database, *key))
            self._members.put(key, proof)
        return proof == session.proof


def web_state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]
