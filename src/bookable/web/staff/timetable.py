"""The staff timetable (`/{tenant}/staff/`): a day's or a week's slots, every one of them (disabled
and unpublished offerings too), with places booked, reserved and waiting against capacity and
online capacity, each linked to its register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookable.domain.localtime import to_local, to_utc
from bookable.storage.queries import staff as reads
from bookable.web.rendering import PAGE_HEADERS
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.pages import messages, staff_page

FARTHEST_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    first: date
    days: int

    @property
    def week(self) -> bool:
        return self.days == 7

    @property
    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def local_today(staff: Staff) -> date:
    return to_local(staff.visit.now, staff.visit.site.timezone).date()


def period_asked(params: Any, today: date) -> Period:
    """The day (or the week of the day) asked for; anything unreadable or too far off is today."""
    try:
        day = date.fromisoformat(params.get("day", ""))
    except ValueError:
        day = today
    if abs((day - today).days) > FARTHEST_DAYS:
        day = today
    if params.get("view") == "week":
        return Period(day - timedelta(days=day.weekday()), 7)
    return Period(day, 1)


def timetable_url(staff: Staff, period: Period, first: date) -> str:
    return staff.url("", day=first.isoformat(), view="week" if period.week else None)


@router.get("/{tenant}/staff/")
@staff_page
async def staff_timetable(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    today = local_today(staff)
    period = period_asked(request.query_params, today)
    zone, tenant_id = staff.visit.site.timezone, staff.visit.site.id
    starts_from = to_utc(period.first, time(0, 0), zone)
    starts_before = to_utc(period.first + timedelta(days=period.days), time(0, 0), zone)
    slots = await engine.read(staff.database, tenant_id,
                              lambda uow: reads.slots_between(uow.session, tenant_id, starts_from, starts_before))
    by_day: dict[date, list[reads.StaffSlot]] = {day: [] for day in period.dates}
    for slot in slots:
        by_day.setdefault(to_local(slot.starts_at, zone).date(), []).append(slot)
    return staff.page(
        "staff/timetable.html", period=period, by_day=by_day, today=today,
        previous=timetable_url(staff, period, period.first - timedelta(days=period.days)),
        next=timetable_url(staff, period, period.first + timedelta(days=period.days)),
        day_view=staff.url("", day=period.first.isoformat()),
        week_view=staff.url("", day=period.first.isoformat(), view="week"),
        today_url=timetable_url(staff, period, today), **messages(staff, request))


@router.get("/{tenant}/staff")
async def staff_without_slash(tenant: str) -> Response:
    return RedirectResponse(f"/{tenant}/staff/", status_code=308, headers=PAGE_HEADERS)
