"""Tenants, staff users, API keys and member credentials; who a request is."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.errors import ValidationError
from bookable.domain.localtime import validate_zone
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

_hasher = PasswordHasher()
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
API_KEY_PREFIX = "bk_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed. With no hash (an unknown login, or a person without a
    password) a dummy hash is verified all the same: a wrong password then costs the same time for
    a real account as for none, so the time of the answer does not tell which logins exist."""
    if not password_hash:
        _verified(_dummy_hash(), password)
        return False
    return _verified(password_hash, password)


def _verified(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Made with the same hasher, so with the same parameters and cost as the stored hashes."""
    return _hasher.hash(secrets.token_urlsafe(16))


def password_matches(password_hash: str | None, password: str, proof: str | None) -> bool:
    """`proof` is a stored hash that this same password was verified against before (the credential
    cache's, ADR 0004): while the stored hash is still that one, the answer is still yes, and argon2
    is not run again."""
    if password_hash and proof and hmac.compare_digest(password_hash, proof):
        return True
    return verify_password(password_hash, password)


def hash_api_key(key: str) -> str:
    """API keys are 256-bit random secrets, so a fast hash is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


def add_tenant(
    uow: UnitOfWork, slug: str, *, name: str | None = None, timezone: str = "Europe/London",
    client_id: int | None = None, currency: str = "GBP",
) -> m.Tenant:
    if not _SLUG.match(slug):
        raise ValidationError("slug must be lower-case letters, digits and dashes.", field="slug")
    validate_zone(timezone)
    if uow.tenants.by_slug(slug) is not None:
        raise ValidationError(f"Tenant {slug} already exists.", field="slug")
    if client_id is not None and uow.tenants.by_client_id(client_id) is not None:
        raise ValidationError(f"Client id {client_id} is taken.", field="client_id")
    return uow.tenants.add(m.Tenant(slug=slug, name=name or slug, timezone=timezone, client_id=client_id,
                                    currency=currency, created_at=utc_now()))


ANY_ORIGIN = "*"


def set_cors_origins(uow: UnitOfWork, tenant: m.Tenant, origins: list[str]) -> list[str]:
    """The web origins (`https://www.gym.se`, scheme, host and port only) whose pages may call the
    tenant's BRP paths from a browser with a member's login; `*` lets any page read them without
    one. An empty list turns cross-origin calls off (api/cors.py)."""
    allowed = [_origin(origin) for origin in origins]
    tenant.cors_origins = list(dict.fromkeys(allowed)) or None
    return allowed


def _origin(text: str) -> str:
    if text == ANY_ORIGIN:
        return text
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query
            or parts.fragment or parts.username or parts.password or port == -1 or text != text.strip()):
        raise ValidationError(f"{text!r} is not an origin such as https://www.example.org.", field="cors_origins")
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def add_user(uow: UnitOfWork, tenant: m.Tenant, username: str, password: str, role: Role = Role.STAFF) -> m.User:
    if role is Role.MEMBER:
        raise ValidationError("Staff users are admin or staff.", field="role")
    if not username or ":" in username or len(username) > 200:
        raise ValidationError("username must be 1-200 characters without ':'.", field="username")
    if len(password) < 8:
        raise ValidationError("password must be at least 8 characters.", field="password")
    if uow.tenants.user(username) is not None:
        raise ValidationError(f"User {username} already exists.", field="username")
    return uow.tenants.add(m.User(tenant_id=tenant.id, username=username, password_hash=hash_password(password),
                                  role=role.value, created_at=utc_now()))


def add_api_key(
    uow: UnitOfWork, tenant: m.Tenant, name: str = "default", role: Role = Role.ADMIN, *, key: str | None = None
) -> tuple[m.ApiKey, str]:
    """Returns the row and the key itself, which is shown once and never stored.

    `key` is for fixed, published keys only (the demo data); everything else gets a random one.
    """
    key = key or API_KEY_PREFIX + secrets.token_urlsafe(32)
    row = uow.tenants.add(m.ApiKey(tenant_id=tenant.id, name=name, key_hash=hash_api_key(key), role=role.value,
                                   created_at=utc_now()))
    return row, key


@dataclass(frozen=True)
class Principal:
    """An authenticated caller before the channel is known."""

    tenant_id: int
    tenant_slug: str
    name: str
    role: Role
    person_id: int | None = None
    proof: str | None = field(default=None, compare=False, repr=False)
    """The stored password hash that the password was verified against (password_matches)."""

    def actor(self, channel: Channel) -> Actor:
        return Actor(self.tenant_id, self.name, self.role, channel, self.person_id)


def staff_principal(uow: UnitOfWork, username: str, password: str, proof: str | None = None) -> Principal | None:
    user = uow.tenants.user(username)
    if not password_matches(user.password_hash if user else None, password, proof) or user is None:
        return None
    tenant = uow.tenants.get(user.tenant_id)
    assert tenant is not None
    return Principal(tenant.id, tenant.slug, user.username, Role(user.role), proof=user.password_hash)


def api_key_principal(uow: UnitOfWork, key: str) -> Principal | None:
    row = uow.tenants.api_key(hash_api_key(key))
    if row is None:
        return None
    tenant = uow.tenants.get(row.tenant_id)
    assert tenant is not None
    return Principal(tenant.id, tenant.slug, f"apikey:{row.name}", Role(row.role))


def member_principal(uow: UnitOfWork, login: str, password: str, proof: str | None = None) -> Principal | None:
    """A member logs in with email, card number or customer number (BRP)."""
    person = uow.people.by_login(login)
    if not password_matches(person.password_hash if person else None, password, proof) or person is None:
        return None
    tenant = uow.tenants.get(person.tenant_id)
    assert tenant is not None
    return Principal(tenant.id, tenant.slug, login, Role.MEMBER, person.id, proof=person.password_hash)
