"""A member's personal calendar feed: a secret URL a phone's calendar subscribes to. Only a hash of
its token is stored, so the URL is shown once, when it is made; making a new one or revoking
ends the old one at once. Runs in the caller's unit of work and never commits."""

from __future__ import annotations

import hashlib
import secrets

from bookable.domain.actors import Actor, utc_now
from bookable.domain.errors import NotAllowed
from bookable.domain.events import DomainEvent, EventType
from bookable.storage.unit_of_work import UnitOfWork
from bookable.storage.web_forms import CalendarFeeds

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """Tokens are 256-bit random secrets: a fast hash is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def _feeds(uow: UnitOfWork, actor: Actor) -> tuple[CalendarFeeds, int]:
    if not actor.is_member or actor.person_id is None:
        raise NotAllowed("Only a member has a calendar feed.")
    return CalendarFeeds(uow.session, actor.tenant_id), actor.person_id


def new_feed(uow: UnitOfWork, actor: Actor) -> str:
    """A new feed for the member, replacing any they had; returns its token (shown once)."""
    feeds, person_id = _feeds(uow, actor)
    now = utc_now()
    for revoked in feeds.revoke_all_of(person_id, now):
        uow.record(actor, DomainEvent(EventType.CALENDAR_FEED_REVOKED, "calendar_feed", revoked))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = feeds.add(person_id, token_hash(token), now)
    uow.record(actor, DomainEvent(EventType.CALENDAR_FEED_CREATED, "calendar_feed", feed.id,
                                  after={"person_id": person_id}))
    return token


def revoke_feeds(uow: UnitOfWork, actor: Actor) -> int:
    """Ends every feed of the member; returns how many there were."""
    feeds, person_id = _feeds(uow, actor)
    revoked = feeds.revoke_all_of(person_id, utc_now())
    for feed_id in revoked:
        uow.record(actor, DomainEvent(EventType.CALENDAR_FEED_REVOKED, "calendar_feed", feed_id))
    return len(revoked)


def has_feed(uow: UnitOfWork, actor: Actor) -> bool:
    feeds, person_id = _feeds(uow, actor)
    return bool(feeds.active_of(person_id))


def feed_owner(uow: UnitOfWork, token: str) -> int | None:
    """The person whose active feed this token opens, in the unit of work's tenant."""
    if not token or len(token) > 200:
        return None
    return CalendarFeeds(uow.session, uow.tenant_id).owner(token_hash(token))
