"""My bookings (`/{tenant}/bookings`): upcoming bookings and waiting-list places (with positions),
what each still owes, cancelling within the cancellation window (and why not, when not), past and
cancelled bookings, and the member's calendar feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain import windows
from bookable.domain.member_options import Options, own_booking_options
from bookable.domain.money import ZERO
from bookable.web import engine
from bookable.web.engine import BookingLine
from bookable.web.forms import one_time_token
from bookable.web.messages import done_message, error_message
from bookable.web.routing import router
from bookable.web.visit import Visit, begin


@dataclass(frozen=True)
class Line:
    item: BookingLine
    options: Options
    token: str


def line(item: BookingLine, zone: str, now: datetime) -> Line:
    booking = item.booking
    deadline = windows.cancellation_deadline(booking.starts_at, min_cancel_days=booking.min_cancel, zone=zone)
    return Line(item, own_booking_options(booking.status, deadline, now), one_time_token())


def login_first(visit: Visit) -> Response:
    return visit.redirect(visit.url("login", next=visit.request.url.path, error="login_needed"))


@router.get("/{tenant}/bookings")
async def my_bookings(request: Request, tenant: str) -> Response:
    visit = await begin(request, tenant)
    actor = visit.member
    if actor is None:
        return login_first(visit) if visit.session.staff is None else visit.page("staff_note.html")
    items = await engine.member_bookings(visit.web.database, actor)
    lines = [line(item, visit.site.timezone, visit.now) for item in items]
    upcoming = [x for x in lines if x.item.booking.status != "cancelled" and x.item.booking.ends_at > visit.now]
    past = [x for x in reversed(lines) if x not in upcoming]
    params = request.query_params
    return visit.page(
        "bookings.html", upcoming=upcoming, past=past[:50],
        has_feed=await engine.has_feed(visit.web.database, actor), feed_url=None,
        done=visit._(message) if (message := done_message(params.get("done"))) else None,
        error=visit._(message) if (message := error_message(params.get("error"))) else None,
        owed_total=sum((x.item.owed for x in upcoming), start=ZERO),
    )
