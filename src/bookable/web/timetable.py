"""The timetable (`/{tenant}/`): a week of classes and events by day, filtered by venue, product
group, product and instructor or room; and the forms it posts: book, join a waiting list, cancel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import DomainError
from bookable.domain.localtime import to_local, to_utc
from bookable.storage.queries.web import WeekFilter
from bookable.web import class_cards, engine
from bookable.web.classes import by_day, card
from bookable.web.forms import BadForm, Posted, posted
from bookable.web.messages import done_message, error_message
from bookable.web.routing import router
from bookable.web.visit import Visit, begin

FILTERS = ("unit", "group", "product", "resource")
FARTHEST_WEEKS = 104


@dataclass(frozen=True)
class Shown:
    """Which week and filters the timetable shows: read from its query string or from a form's
    hidden fields, each value checked (anything else is left out, never an error)."""

    monday: date
    unit: int | None = None
    group: int | None = None
    product: int | None = None
    resource: int | None = None

    @classmethod
    def read(cls, values: Mapping[str, Any], today: date) -> Shown:
        day = _a_date(values.get("week")) or today
        if abs((day - today).days) > FARTHEST_WEEKS * 7:
            day = today
        return cls(day - timedelta(days=day.weekday()), *(_an_id(values.get(name)) for name in FILTERS))

    def query(self, **extra: Any) -> dict[str, Any]:
        return {"week": self.monday.isoformat(), **{name: getattr(self, name) for name in FILTERS}, **extra}

    @property
    def filtered(self) -> bool:
        return any(getattr(self, name) is not None for name in FILTERS)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=offset) for offset in range(7)]

    def week_filter(self, zone: str, now: datetime, person_id: int | None) -> WeekFilter:
        return WeekFilter(
            starts_from=to_utc(self.monday, time(0, 0), zone),
            starts_before=to_utc(self.monday + timedelta(days=7), time(0, 0), zone), now=now,
            business_unit=self.unit, product_group=self.group, product=self.product, resource=self.resource,
            person_id=person_id)


def _a_date(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
    except ValueError:
        return None


def _an_id(text: Any) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() and 0 < int(text) < 2**31 else None


def today(visit: Visit) -> date:
    return to_local(visit.now, visit.site.timezone).date()


def timetable_url(visit: Visit, shown: Shown, anchor: int | None = None, **extra: Any) -> str:
    return visit.url("", **shown.query(**extra)) + (f"#slot-{anchor}" if anchor else "")


@router.get("/{tenant}/")
async def timetable_page(request: Request, tenant: str) -> Response:
    visit = await begin(request, tenant)
    shown = Shown.read(request.query_params, today(visit))
    zone = visit.site.timezone
    week = await engine.week(visit.web.database, visit.site.id,
                             shown.week_filter(zone, visit.now, visit.session.person_id))
    choices = await visit.web.filter_choices(visit.site.id)
    cards = [card(row, week.courses.get(row.offering_id), week.positions, zone, visit.now) for row in week.slots]
    params, here = request.query_params, timetable_url(visit, shown)
    context = {**visit.common(), "shown": shown, "here": here, "focus": _an_id(params.get("slot"))}
    days = [(day, class_cards.rendered(visit.language, context, items))
            for day, items in by_day(cards, shown.days, zone)]
    return visit.page(
        "timetable.html", shown=shown, days=days, choices=choices, here=here,
        today=today(visit), week_number=shown.monday.isocalendar().week,
        previous_week=timetable_url(visit, replace(shown, monday=shown.monday - timedelta(days=7))),
        next_week=timetable_url(visit, replace(shown, monday=shown.monday + timedelta(days=7))),
        this_week=timetable_url(visit, replace(shown, monday=today(visit) - timedelta(days=today(visit).weekday()))),
        this_week_monday=today(visit) - timedelta(days=today(visit).weekday()),
        clear_filters=visit.url("", week=shown.monday.isoformat()),
        done=visit._(message) if (message := done_message(params.get("done"))) else None,
        error=visit._(message) if (message := error_message(params.get("error"))) else None,
    )


@router.post("/{tenant}/book")
async def book(request: Request, tenant: str) -> Response:
    """Book one slot, or a whole course; `waiting=1` joins the waiting list when it is full."""
    visit = await begin(request, tenant)
    shown = Shown.read({}, today(visit))
    try:
        form = await posted(request, visit.session)
        shown = Shown.read(form.fields, today(visit))
        slot, course = form.number("slot", required=False), form.number("course", required=False)
        places = form.number("places", required=False) or 1
        token = form.one_time_token()
        anchor = slot or form.number("anchor", required=False)
    except BadForm as bad:
        return visit.redirect(timetable_url(visit, shown, error=bad.code))
    refused = _who_may_not_book(visit, shown)
    if refused is not None:
        return refused
    actor = visit.member
    assert actor is not None
    try:
        done = await engine.book(visit.web.database, actor, token, slot_id=None if course else slot,
                                 offering_id=course, places=places, waiting_list=form.text("waiting") == "1")
    except DomainError as error:
        return visit.redirect(timetable_url(visit, shown, anchor, error=error.code, slot=anchor))
    outcome = "again" if done.replayed else "waitlisted" if done.status == "waitlisted" else "booked"
    return visit.redirect(timetable_url(visit, shown, anchor, done=outcome, slot=anchor))


def _who_may_not_book(visit: Visit, shown: Shown) -> Response | None:
    if visit.session.staff is not None:
        return visit.redirect(timetable_url(visit, shown, error="staff_cannot_book"))
    if visit.member is None:
        return visit.redirect(visit.url("login", next=timetable_url(visit, shown), error="login_needed"))
    return None


@router.post("/{tenant}/cancel")
async def cancel(request: Request, tenant: str) -> Response:
    """Cancel a booking or leave a waiting list; back to the page the form was on."""
    visit = await begin(request, tenant)
    shown = Shown.read({}, today(visit))
    try:
        form = await posted(request, visit.session)
        shown = Shown.read(form.fields, today(visit))
        booking_id, token = form.number("booking"), form.one_time_token()
        back = _back(visit, form, shown)
    except BadForm as bad:
        return visit.redirect(timetable_url(visit, shown, error=bad.code))
    refused = _who_may_not_book(visit, shown)
    if refused is not None:
        return refused
    actor = visit.member
    assert actor is not None and booking_id is not None
    try:
        done = await engine.cancel(visit.web.database, actor, token, booking_id)
    except DomainError as error:
        return visit.redirect(back(error=error.code))
    left = form.text("waiting") == "1"
    return visit.redirect(back(done="again" if done.replayed else "left" if left else "cancelled"))


def _back(visit: Visit, form: Posted, shown: Shown) -> Any:
    anchor = form.number("anchor", required=False)
    if form.text("back") == "bookings":
        return lambda **message: visit.url("bookings", **message)
    return lambda **message: timetable_url(visit, shown, anchor, slot=anchor, **message)
