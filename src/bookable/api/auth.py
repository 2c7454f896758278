"""Who is calling: HTTP Basic (staff users, or members by email / card / customer number) and Bearer
API keys. Verifying argon2 costs tens of milliseconds, so a successful check is remembered for a
short while, keyed by a hash of the exact credentials; once that has expired, the login is checked
again against the database, and argon2 runs again only if the stored hash has changed (see
docs/adr/0004-credential-cache.md). A password check that is not remembered is throttled after
failures, per account and per client address (api/login_throttle.py, docs/adr/0015)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Generic, TypeVar

from starlette.requests import Request

from bookable.api.errors import ApiError
from bookable.api.execution import about_to_look_up
from bookable.api.login_throttle import LoginKeys, LoginThrottle
from bookable.api.received import header
from bookable.domain.actors import utc_now
from bookable.observability import metrics
from bookable.observability.requests import note_tenant
from bookable.services import accounts
from bookable.services.accounts import Principal
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork

CACHE_SECONDS = 60.0
CACHE_SIZE = 20_000
_SALT = secrets.token_bytes(16)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Remembered(Generic[K, V]):
    """A thread-safe map whose entries expire after `ttl` seconds; the oldest go beyond `size`."""

    def __init__(self, ttl: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """What is remembered under `key`, unless it has expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            return entry[1]

    def expired(self, key: K) -> V | None:
        """What was remembered under `key` and has expired: kept until `size` pushes it out."""
        with self._lock:
            entry = self._entries.get(key)
            return entry[1] if entry is not None and entry[0] < time.monotonic() else None

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def expire_all(self) -> None:
        """Everything remembered is checked again at its next use; proofs are kept (ADR 0004)."""
        with self._lock:
            for key, (_, value) in self._entries.items():
                self._entries[key] = (0.0, value)


class CredentialCache(Remembered[bytes, Principal]):
    """Principals by a salted hash of the exact credentials that proved them (ADR 0004)."""

    @staticmethod
    def key(*parts: str) -> bytes:
        return hashlib.blake2b("\x00".join(parts).encode(), key=_SALT).digest()


def unauthorized(message: str = "Authentication required.", realm: str = "bookable") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": f'Basic realm="{realm}"'})


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = (header(request.scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized("Malformed Basic credentials.") from None
    username, sep, password = decoded.partition(":")
    if not sep or "\x00" in decoded:  # PostgreSQL text cannot hold NUL: such a login matches nobody
        raise unauthorized("Malformed Basic credentials.")
    return username, password


def bearer_token(request: Request) -> str | None:
    scheme, _, token = (header(request.scope, b"authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class Authenticator:
    def __init__(self, database: Database, cache: CredentialCache | None = None) -> None:
        self.database = database
        self.cache = cache or CredentialCache()
        self.tenant_ids: Remembered[str, int] = Remembered()
        self.throttle = LoginThrottle(database)

    def _cached(
        self, key: bytes, lookup: Callable[[UnitOfWork, str | None], Principal | None], tenant_id: int = 0,
        throttled: LoginKeys | None = None,
        kind: str = "staff",
    ) -> Principal | None:
        """A remembered principal; else the lookup's, given the proof of an expired one, so that an
        unchanged password is renewed with one read instead of another argon2 verification. A
        password check (`throttled`) is refused while its account or address is held back, unless
        these exact credentials were proved lately (an expired entry): they are not a guess."""
        principal = self.cache.get(key)
        if principal is not None:
            return principal
        about_to_look_up()
        expired = self.cache.expired(key)
        now, earlier_failures = utc_now(), 0
        with UnitOfWork(self.database, tenant_id, write=False) as uow:
            if throttled is not None and expired is None:
                earlier_failures = self._throttle_check(uow, throttled, now, kind)
            principal = lookup(uow, expired.proof if expired is not None else None)
        if principal is None:
            self.cache.forget(key)
            if throttled is not None:
                self.throttle.failed(throttled, now)
            metrics.login_failed(kind)
        else:
            self.cache.put(key, principal)
            if throttled is not None and earlier_failures:
                self.throttle.succeeded(throttled)
        return principal

    def _throttle_check(self, uow: UnitOfWork, throttled: LoginKeys, now: datetime, kind: str) -> int:
        try:
            return self.throttle.check(uow.session, throttled, now)
        except ApiError:
            metrics.login_throttled(kind)
            raise

    def staff(self, username: str, password: str, address: str | None = None) -> Principal | None:
        return self._cached(
            self.cache.key("staff", username, password),
            lambda uow, proof: accounts.staff_principal(uow, username, password, proof),
            throttled=LoginKeys.of(f"staff\x00{username}", address),
        )

    def api_key(self, key: str) -> Principal | None:
        return self._cached(self.cache.key("key", key), lambda uow, _: accounts.api_key_principal(uow, key),
                            kind="api_key")

    def member(self, tenant_id: int, login: str, password: str, address: str | None = None) -> Principal | None:
        """Emails are logins in any case (repositories.People.by_login), so they count as one account."""
        return self._cached(
            self.cache.key("member", str(tenant_id), login, password),
            lambda uow, proof: accounts.member_principal(uow, login, password, proof),
            tenant_id,
            LoginKeys.of(f"member\x00{tenant_id}\x00{login.casefold()}", address),
            kind="member",
        )

    def site_login(self, tenant_id: int, login: str, password: str, address: str | None = None) -> Principal | None:
        """A tenant's web site: a member of it or one of its staff, by one login form, throttled as
        a member's login is (the same account: guesses on the form and on the APIs add up)."""
        return self._cached(
            self.cache.key("site", str(tenant_id), login, password),
            lambda uow, proof: accounts.site_principal(uow, login, password, proof),
            tenant_id,
            LoginKeys.of(f"member\x00{tenant_id}\x00{login.casefold()}", address),
            kind="member",
        )

    def tenant_id(self, slug: str) -> int | None:
        """A tenant's id by its slug, remembered as long as a credential."""
        known = self.tenant_ids.get(slug)
        if known is not None:
            return known
        about_to_look_up()
        with UnitOfWork(self.database, 0, write=False) as uow:
            tenant = uow.tenants.by_slug(slug)
        if tenant is None:
            return None
        self.tenant_ids.put(slug, tenant.id)
        return tenant.id

    def staff_or_key(self, request: Request) -> Principal:
        """Staff access: Basic with a staff user, or Bearer with an API key; else 401."""
        token = bearer_token(request)
        if token is not None:
            principal = self.api_key(token)
            if principal is None:
                raise unauthorized("Unknown API key.")
            note_tenant(request.scope, principal.tenant_slug)
            return principal
        credentials = basic_credentials(request)
        if credentials is None:
            raise unauthorized()
        principal = self.staff(*credentials, address=client_address(request))
        if principal is None:
            raise unauthorized("Wrong username or password.")
        note_tenant(request.scope, principal.tenant_slug)
        return principal

    def member_of(self, request: Request, tenant_id: int) -> Principal:
        """A member of this tenant by Basic auth with email, card number or customer number."""
        credentials = basic_credentials(request)
        if credentials is None:
            raise unauthorized("This call needs the member's login (HTTP Basic).")
        principal = self.member(tenant_id, *credentials, address=client_address(request))
        if principal is None:
            raise unauthorized("Wrong login or password.")
        note_tenant(request.scope, principal.tenant_slug)
        return principal


def client_address(request: Request) -> str | None:
    """The peer's address as the ASGI server gives it (the proxy's client when uvicorn is run with
    proxy headers for a trusted proxy)."""
    return request.client.host if request.client else None


def authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator  # type: ignore[no-any-return]
