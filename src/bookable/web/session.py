"""A visitor's session on one tenant's site: a cookie signed with itsdangerous (it cannot be
forged or changed, and expires), HttpOnly, SameSite=Lax, Secure when the page came over TLS, and
scoped to the tenant's path, so each tenant's site has a session of its own.

It holds the CSRF token every form must send back (a synchronizer token kept in the signed
cookie), the chosen language, and who is logged in: a member (their person id, and a fingerprint
of their password hash, so that a password change ends their sessions) or a staff user.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "bookable_session"
MAX_AGE_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class Session:
    tenant_id: int
    csrf: str
    language: str | None = None
    person_id: int | None = None
    staff: str | None = None
    name: str = ""
    proof: str = ""

    @classmethod
    def new(cls, tenant_id: int, language: str | None = None) -> Session:
        return cls(tenant_id, secrets.token_urlsafe(24), language)

    @property
    def is_member(self) -> bool:
        return self.person_id is not None

    @property
    def logged_in(self) -> bool:
        return self.person_id is not None or self.staff is not None

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf.encode(), (sent or "").encode())

    def logged_in_as(self, *, person_id: int | None, staff: str | None, name: str, proof: str) -> Session:
        """A fresh session (new CSRF token) for who just logged in: nothing of the one before it
        carries over but the language, so a session fixed before login is worth nothing after."""
        fresh = Session.new(self.tenant_id, self.language)
        return replace(fresh, person_id=person_id, staff=staff, name=name, proof=proof)

    def logged_out(self) -> Session:
        return Session.new(self.tenant_id, self.language)

    def speaking(self, language: str) -> Session:
        return replace(self, language=language)


class SessionCookies:
    """Signs and reads session cookies with the installation's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="bookable.web.session")

    def dumps(self, session: Session) -> str:
        values: dict[str, Any] = {"t": session.tenant_id, "c": session.csrf}
        for key, value in (("l", session.language), ("p", session.person_id), ("s", session.staff),
                           ("n", session.name), ("f", session.proof)):
            if value:
                values[key] = value
        return self._serializer.dumps(values)

    def loads(self, cookie: str | None, tenant_id: int) -> Session | None:
        """The session, if the cookie is genuine, unexpired and for this tenant."""
        if not cookie or len(cookie) > 4096:
            return None
        try:
            values = self._serializer.loads(cookie, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(values, dict) or values.get("t") != tenant_id or not isinstance(values.get("c"), str):
            return None
        return Session(tenant_id, values["c"], values.get("l"), values.get("p"), values.get("s"),
                       values.get("n", ""), values.get("f", ""))
