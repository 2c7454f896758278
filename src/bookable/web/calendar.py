"""Add to calendar: an .ics file of one booking, and a personal feed a phone's calendar subscribes
to (`/{tenant}/calendar/{token}.ics`), whose secret URL the member makes, sees once, and revokes."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.actors import Actor
from bookable.domain.errors import DomainError
from bookable.web import engine, ics
from bookable.web.bookings import login_first
from bookable.web.forms import BadForm, posted
from bookable.web.rendering import PAGE_HEADERS
from bookable.web.routing import router
from bookable.web.visit import PageNotFound, Visit, begin

FEED_PAST_DAYS = 30


def _ics(body: bytes, filename: str | None = None) -> Response:
    headers = {**PAGE_HEADERS, "Cache-Control": "private, max-age=300"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


def _host(visit: Visit) -> str:
    return visit.request.url.hostname or "bookable"


@router.get("/{tenant}/bookings/{booking_id}.ics")
async def booking_ics(request: Request, tenant: str, booking_id: str) -> Response:
    visit = await begin(request, tenant)
    actor = visit.member
    if actor is None:
        return login_first(visit)
    if not booking_id.isdigit() or not 0 < int(booking_id) < 2**31:
        raise PageNotFound(booking_id)
    try:
        entries = await engine.booking_calendar(visit.web.database, actor, int(booking_id))
    except DomainError:
        raise PageNotFound(booking_id) from None
    if not entries:
        raise PageNotFound(booking_id)
    body = ics.calendar(visit.site, entries, visit.now, name=f"{entries[0].name} · {visit.site.name}",
                        host=_host(visit))
    return _ics(body, f"{visit.site.slug}-booking-{booking_id}.ics")


@router.get("/{tenant}/calendar/{token}.ics")
async def feed(request: Request, tenant: str, token: str) -> Response:
    """No session: the token is the key. A wrong or revoked one answers 404, as an unknown page."""
    visit = await begin(request, tenant)
    since = visit.now - timedelta(days=FEED_PAST_DAYS)
    entries = await engine.feed_calendar(visit.web.database, visit.site.id, token, since)
    if entries is None:
        raise PageNotFound(tenant)
    return _ics(ics.calendar(visit.site, entries, visit.now, name=visit.site.name, host=_host(visit)))


@router.post("/{tenant}/calendar/new")
async def new_feed(request: Request, tenant: str) -> Response:
    """The new link is shown on this answer only: just its hash is stored."""
    posting = await _member_posting(request, tenant)
    if isinstance(posting, Response):
        return posting
    visit, actor = posting
    token = await engine.new_feed(visit.web.database, actor)
    feed_url = f"{request.url.scheme}://{request.url.netloc}{visit.url(f'calendar/{token}.ics')}"
    webcal = f"webcal://{request.url.netloc}{visit.url(f'calendar/{token}.ics')}"
    response = visit.page("feed_created.html", feed_url=feed_url, webcal_url=webcal)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/{tenant}/calendar/revoke")
async def revoke_feed(request: Request, tenant: str) -> Response:
    posting = await _member_posting(request, tenant)
    if isinstance(posting, Response):
        return posting
    visit, actor = posting
    await engine.revoke_feeds(visit.web.database, actor)
    return visit.redirect(visit.url("bookings", done="feed_revoked"))


async def _member_posting(request: Request, tenant: str) -> tuple[Visit, Actor] | Response:
    """The visit of a logged-in member posting a form of the bookings page, or where to go instead."""
    visit = await begin(request, tenant)
    if visit.member is None:
        return login_first(visit)
    try:
        await posted(request, visit.session)
    except BadForm as bad:
        return visit.redirect(visit.url("bookings", error=bad.code))
    return visit, visit.member
