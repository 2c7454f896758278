"""Who is calling: HTTP Basic (staff users, or members by email / card / customer number) and Bearer
API keys. Verifying argon2 costs tens of milliseconds, so a successful check is remembered for a
short while, keyed by a hash of the exact credentials (see docs/adr/0004-credential-cache.md)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request

from bookable.api.errors import ApiError
from bookable.services import accounts
from bookable.services.accounts import Principal
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork

CACHE_SECONDS = 60.0
CACHE_SIZE = 20_000
_SALT = secrets.token_bytes(16)


class CredentialCache:
    def __init__(self, ttl: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(*parts: str) -> bytes:
        return hashlib.blake2b("\x00".join(parts).encode(), key=_SALT).digest()

    def get(self, key: bytes) -> Principal | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: bytes, principal: Principal) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, principal)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def unauthorized(message: str = "Authentication required.", realm: str = "bookable") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": f'Basic realm="{realm}"'})


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
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
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class Authenticator:
    def __init__(self, database: Database, cache: CredentialCache | None = None) -> None:
        self.database = database
        self.cache = cache or CredentialCache()

    def _cached(
        self, key: bytes, lookup: Callable[[UnitOfWork], Principal | None], tenant_id: int = 0
    ) -> Principal | None:
        principal = self.cache.get(key)
        if principal is not None:
            return principal
        with UnitOfWork(self.database, tenant_id, write=False) as uow:
            principal = lookup(uow)
        if principal is not None:
            self.cache.put(key, principal)
        return principal

    def staff(self, username: str, password: str) -> Principal | None:
        return self._cached(
            self.cache.key("staff", username, password), lambda uow: accounts.staff_principal(uow, username, password)
        )

    def api_key(self, key: str) -> Principal | None:
        return self._cached(self.cache.key("key", key), lambda uow: accounts.api_key_principal(uow, key))

    def member(self, tenant_id: int, login: str, password: str) -> Principal | None:
        return self._cached(
            self.cache.key("member", str(tenant_id), login, password),
            lambda uow: accounts.member_principal(uow, login, password),
            tenant_id,
        )

    def remembered_staff_or_key(self, request: Request) -> Principal | None:
        """staff_or_key() from the cache alone (no database, no argon2), or None: cheap enough to
        run on the event loop, so a caller already verified needs no worker thread to be known."""
        token = bearer_token(request)
        if token is not None:
            return self.cache.get(self.cache.key("key", token))
        try:
            credentials = basic_credentials(request)
        except ApiError:
            return None
        return None if credentials is None else self.cache.get(self.cache.key("staff", *credentials))

    def staff_or_key(self, request: Request) -> Principal:
        """Staff access: Basic with a staff user, or Bearer with an API key; else 401."""
        token = bearer_token(request)
        if token is not None:
            principal = self.api_key(token)
            if principal is None:
                raise unauthorized("Unknown API key.")
            return principal
        credentials = basic_credentials(request)
        if credentials is None:
            raise unauthorized()
        principal = self.staff(*credentials)
        if principal is None:
            raise unauthorized("Wrong username or password.")
        return principal

    def member_of(self, request: Request, tenant_id: int) -> Principal:
        """A member of this tenant by Basic auth with email, card number or customer number."""
        credentials = basic_credentials(request)
        if credentials is None:
            raise unauthorized("This call needs the member's login (HTTP Basic).")
        principal = self.member(tenant_id, *credentials)
        if principal is None:
            raise unauthorized("Wrong login or password.")
        return principal


def authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator  # type: ignore[no-any-return]
