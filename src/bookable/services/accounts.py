"""Tenants, staff users, API keys and member credentials; who a request is."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.errors import NotAllowed, NotFound, ValidationError
from bookable.domain.events import DomainEvent, EventType
from bookable.domain.localtime import validate_zone
from bookable.services import tenants
from bookable.storage import models as m
from bookable.storage.credentials import count_change
from bookable.storage.unit_of_work import UnitOfWork

password_hasher = PasswordHasher()
"""argon2id with argon2-cffi's default parameters (RFC 9106's low-memory profile: ~0.1 s here)."""
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
API_KEY_PREFIX = "bk_"


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed. With no hash (an unknown login, or a person without a
    password) a dummy hash is verified all the same: a wrong password then costs the same time for
    a real account as for none, so the time of the answer does not tell which logins exist."""
    if not password_hash:
        _verified(_dummy_hash(password_hasher), password)
        return False
    return _verified(password_hash, password)


def _verified(password_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Made with the same hasher, so with the same parameters and cost as the stored hashes."""
    return hasher.hash(secrets.token_urlsafe(16))


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
    currency = tenants.currency_code(currency)
    if uow.tenants.by_slug(slug) is not None:
        raise ValidationError(f"Tenant {slug} already exists.", field="slug")
    if client_id is not None and uow.tenants.by_client_id(client_id) is not None:
        raise ValidationError(f"Client id {client_id} is taken.", field="client_id")
    return uow.tenants.add(m.Tenant(slug=slug, name=name or slug, timezone=timezone, client_id=client_id,
                                    currency=currency, created_at=utc_now()))








def add_user(uow: UnitOfWork, tenant: m.Tenant, username: str, password: str, role: Role = Role.STAFF) -> m.User:
    if role is Role.MEMBER:
        raise ValidationError("Staff users are admin or staff.", field="role")
    if not username or ":" in username or len(username) > 200:
        raise ValidationError("username must be 1-200 characters without ':'.", field="username")
    _check_password(password)
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


def users(uow: UnitOfWork, tenant: m.Tenant | None = None) -> list[m.User]:
    return uow.tenants.users(tenant.id if tenant is not None else None)


def api_keys(uow: UnitOfWork, tenant: m.Tenant | None = None) -> list[m.ApiKey]:
    return uow.tenants.api_keys(tenant.id if tenant is not None else None)


def set_user_disabled(uow: UnitOfWork, username: str, disabled: bool) -> m.User:
    """A disabled user's logins are refused at once, by every worker (the change is counted)."""
    user = _user(uow, username)
    user.disabled = disabled
    event = EventType.USER_DISABLED if disabled else EventType.USER_ENABLED
    _credential_changed(uow, user.tenant_id, event, "user", user.id)
    return user


def reset_password(uow: UnitOfWork, username: str, password: str) -> m.User:
    user = _user(uow, username)
    _check_password(password)
    user.password_hash = hash_password(password)
    _credential_changed(uow, user.tenant_id, EventType.USER_PASSWORD_RESET, "user", user.id)
    return user


def revoke_api_key(uow: UnitOfWork, key_id: int) -> m.ApiKey:
    """The key is kept (listed as revoked, with when) and refused from now on, by every worker."""
    key = uow.tenants.api_key_by_id(key_id)
    if key is None:
        raise NotFound(f"No API key with id {key_id}: `bookable apikey list` shows them.", field="id")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        _credential_changed(uow, key.tenant_id, EventType.API_KEY_REVOKED, "api_key", key.id)
    return key


# A tenant's admin managing its accounts (the staff pages): the same changes as the CLI's, scoped
# to the admin's tenant and recorded with the admin as who.


def admin_add_user(uow: UnitOfWork, admin: Actor, username: str, password: str, role: Role) -> m.User:
    tenant = uow.tenants.get(admin.tenant_id)
    assert tenant is not None
    user = add_user(uow, tenant, username, password, role)
    uow.record(admin, DomainEvent(EventType.USER_CREATED, "user", user.id,
                                  after={"username": username, "role": role.value}))
    return user


def tenant_user(uow: UnitOfWork, admin: Actor, user_id: int) -> m.User:
    user = uow.session.get(m.User, user_id)
    if user is None or user.tenant_id != admin.tenant_id:
        raise NotFound(f"No user with id {user_id}.", field="user")
    return user


def admin_change_user(uow: UnitOfWork, admin: Actor, user_id: int, *, role: Role | None = None,
                      disabled: bool | None = None, password: str | None = None) -> m.User:
    """Role, disabled and password of one of the tenant's users; an admin never locks themself out."""
    user = tenant_user(uow, admin, user_id)
    if user.username == admin.name and (disabled or (role is not None and role is not Role.ADMIN)):
        raise NotAllowed("You cannot disable or demote your own account.", field="user")
    if role is not None and role.value != user.role:
        if role is Role.MEMBER:
            raise ValidationError("Staff users are admin or staff.", field="role")
        before, user.role = user.role, role.value
        count_change(uow.session)
        uow.record(admin, DomainEvent(EventType.USER_ROLE_CHANGED, "user", user.id, {"role": before},
                                      {"role": role.value, "username": user.username}))
    if disabled is not None and disabled != user.disabled:
        user.disabled = disabled
        _credential_changed(uow, user.tenant_id, EventType.USER_DISABLED if disabled else EventType.USER_ENABLED,
                            "user", user.id, admin)
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password)
        _credential_changed(uow, user.tenant_id, EventType.USER_PASSWORD_RESET, "user", user.id, admin)
    return user


def admin_add_api_key(uow: UnitOfWork, admin: Actor, name: str, role: Role) -> tuple[m.ApiKey, str]:
    if not name.strip() or len(name) > 100:
        raise ValidationError("A key's name is 1-100 characters.", field="name")
    if role is Role.MEMBER:
        raise ValidationError("A key is admin or staff.", field="role")
    tenant = uow.tenants.get(admin.tenant_id)
    assert tenant is not None
    row, key = add_api_key(uow, tenant, name.strip(), role)
    uow.record(admin, DomainEvent(EventType.API_KEY_CREATED, "api_key", row.id,
                                  after={"name": row.name, "role": role.value}))
    return row, key


def admin_revoke_api_key(uow: UnitOfWork, admin: Actor, key_id: int) -> m.ApiKey:
    key = uow.tenants.api_key_by_id(key_id)
    if key is None or key.tenant_id != admin.tenant_id:
        raise NotFound(f"No API key with id {key_id}.", field="id")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        _credential_changed(uow, key.tenant_id, EventType.API_KEY_REVOKED, "api_key", key.id, admin)
    return key


def _user(uow: UnitOfWork, username: str) -> m.User:
    user = uow.tenants.user(username)
    if user is None:
        raise NotFound(f"No user {username!r}: `bookable user list` shows them.", field="username")
    return user


def _credential_changed(uow: UnitOfWork, tenant_id: int, event: EventType, entity: str, entity_id: int,
                        actor: Actor | None = None) -> None:
    count_change(uow.session)
    uow.record(actor or operator(tenant_id), DomainEvent(event, entity, entity_id))


def operator(tenant_id: int) -> Actor:
    """The operator, acting from the command line on a tenant's data."""
    return Actor(tenant_id, "cli", Role.ADMIN, Channel.CLI)


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise ValidationError("password must be at least 8 characters.", field="password")


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
    if not password_matches(user.password_hash if user else None, password, proof) or user is None or user.disabled:
        return None
    tenant = uow.tenants.get(user.tenant_id)
    assert tenant is not None
    return Principal(tenant.id, tenant.slug, user.username, Role(user.role), proof=user.password_hash)


def api_key_principal(uow: UnitOfWork, key: str) -> Principal | None:
    row = uow.tenants.api_key(hash_api_key(key))
    if row is None or row.revoked_at is not None:
        return None
    tenant = uow.tenants.get(row.tenant_id)
    assert tenant is not None
    return Principal(tenant.id, tenant.slug, f"apikey:{row.name}", Role(row.role))


def site_principal(uow: UnitOfWork, login: str, password: str, proof: str | None = None) -> Principal | None:
    """Who logs in on a tenant's web site (uow.tenant_id's) with one form: a member of it (email,
    card or customer number), else a staff user of it."""
    member = member_principal(uow, login, password, proof)
    if member is not None:
        return member
    staff = staff_principal(uow, login, password, proof)
    return staff if staff is not None and staff.tenant_id == uow.tenant_id else None


def member_principal(uow: UnitOfWork, login: str, password: str, proof: str | None = None) -> Principal | None:
    """A member logs in with email, card number or customer number (BRP)."""
    person = uow.people.by_login(login)
    if not password_matches(person.password_hash if person else None, password, proof) or person is None:
        return None
    tenant = uow.tenants.get(person.tenant_id)
    assert tenant is not None
    return Principal(tenant.id, tenant.slug, login, Role.MEMBER, person.id, proof=person.password_hash)
