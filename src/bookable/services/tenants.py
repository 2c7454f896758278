"""A tenant's settings: every one, with the check that turns what a caller sent (typed, or the text
of `bookable tenant set SLUG KEY=VALUE`) into its value. Adding a setting is adding its line.

The operator sets all of them from the CLI; a tenant's admins set ADMIN_SETTINGS through the
native API (the time zone is the operator's: every slot's local date and time was computed in it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from babel.numbers import is_currency

from bookable.domain.actors import Actor
from bookable.domain.errors import NotFound, ValidationError
from bookable.domain.events import DomainEvent, EventType
from bookable.domain.localtime import validate_zone
from bookable.domain.offering import MAX_SPACES
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

ANY_ORIGIN = "*"


def display_name(name: object) -> str:
    text = str(name).strip() if isinstance(name, str) else ""
    if not 1 <= len(text) <= 200:
        raise ValidationError("name must be 1-200 characters.", field="name")
    return text


def time_zone(name: object) -> str:
    if not isinstance(name, str):
        raise ValidationError("timezone must be an IANA time zone such as Europe/Stockholm.", field="timezone")
    validate_zone(name)
    return name


LANGUAGES = ("sv", "en")
"""The languages the web pages and emails speak (web.i18n.LANGUAGES)."""


def default_language(value: object) -> str | None:
    """The pages' and emails' language when a visitor or member has none: sv, en, or None (English)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    text = value.strip().lower() if isinstance(value, str) else ""
    if text not in LANGUAGES:
        raise ValidationError(f"language must be one of: {', '.join(LANGUAGES)}, or none.", field="language")
    return text


def currency_code(code: object) -> str:
    """An ISO 4217 code (GBP, SEK, EUR ...), in capitals."""
    text = code.strip().upper() if isinstance(code, str) else ""
    if not is_currency(text):
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code (e.g. GBP, SEK, EUR).", field="currency")
    return text


def booking_limit(value: object) -> int | None:
    """At most this many upcoming bookings per member; None (or `none` / empty text): no limit."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    try:
        limit = int(value.strip()) if isinstance(value, str) else value
    except ValueError:
        limit = None
    if type(limit) is not int or not 1 <= limit <= MAX_SPACES:
        raise ValidationError(f"max_upcoming_bookings must be between 1 and {MAX_SPACES}, or none.",
                              field="max_upcoming_bookings")
    return limit


def cors_origins(value: object) -> list[str] | None:
    """The web origins (`https://www.gym.se`: scheme, host and port only) whose pages may call the
    tenant's BRP paths from a browser with a member's login; `*` lets any page read them without
    one. None or an empty list turns cross-origin calls off (api/cors.py). Text: comma-separated."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise ValidationError("cors_origins must be a list of origins.", field="cors_origins")
    return list(dict.fromkeys(_origin(origin) for origin in value)) or None


def _origin(text: object) -> str:
    if text == ANY_ORIGIN:
        return ANY_ORIGIN
    if not isinstance(text, str):
        raise ValidationError(f"{text!r} is not an origin such as https://www.example.org.", field="cors_origins")
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query
            or parts.fragment or parts.username or parts.password or port == -1 or text != text.strip()):
        raise ValidationError(f"{text!r} is not an origin such as https://www.example.org.", field="cors_origins")
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


SETTINGS: dict[str, Callable[[object], object]] = {
    "name": display_name,
    "timezone": time_zone,
    "currency": currency_code,
    "max_upcoming_bookings": booking_limit,
    "cors_origins": cors_origins,
    "language": default_language,
}
ADMIN_SETTINGS = ("name", "currency", "max_upcoming_bookings", "cors_origins", "language")


def settings_of(uow: UnitOfWork, tenant_id: int) -> m.Tenant:
    tenant = uow.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} not found.", field="tenant")
    return tenant


def change_settings(uow: UnitOfWork, actor: Actor, changes: Mapping[str, Any], *,
                    settable: tuple[str, ...] = ADMIN_SETTINGS) -> dict[str, object]:
    """Apply checked settings to the actor's tenant, all or none; what changed, as recorded."""
    unknown = sorted(set(changes) - set(settable))
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a setting that can be changed here: "
                              f"choose from {', '.join(settable)}.", field=unknown[0])
    values = {name: SETTINGS[name](value) for name, value in changes.items()}
    tenant = settings_of(uow, actor.tenant_id)
    before = {name: getattr(tenant, name) for name in values}
    for name, value in values.items():
        setattr(tenant, name, value)
    uow.record(actor, DomainEvent(EventType.TENANT_UPDATED, "tenant", tenant.id, before, values))
    return values
