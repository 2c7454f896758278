"""A class (or course) as the timetable shows it: its places and waiting list, counted as the engine
counts them (domain.capacity: online places, a course's fullest date), and what the visitor can
do now (domain.member_options, with the windows of domain.windows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bookable.domain import windows
from bookable.domain.capacity import SlotLoad, course_available_places
from bookable.domain.localtime import to_local
from bookable.domain.member_options import Options, Situation, member_options
from bookable.storage.queries.web import Course, CourseDate, SlotRow
from bookable.web.forms import one_time_token


@dataclass(frozen=True)
class ClassCard:
    row: SlotRow
    options: Options
    free: int
    capacity: int
    waiting: int
    own_booking_id: int | None
    position: int | None
    dates: list[CourseDate]

    @property
    def token(self) -> str:
        """A new one-time token for this class's form (only a member's classes have one)."""
        return one_time_token()

    @property
    def is_course(self) -> bool:
        return bool(self.dates)

    @property
    def places_choice(self) -> list[int]:
        """How many places the form offers (1 up to the offering's max_num_bookings and what is free)."""
        most = min(self.row.max_num_bookings, max(self.free, 1))
        return list(range(1, most + 1))


def _course_loads(course: Course) -> list[SlotLoad]:
    """A course booking holds a place on every date, besides the date's own bookings."""
    return [SlotLoad(spaces=d.spaces, online_spaces=d.online_spaces, confirmed=d.held_on_slot + course.held)
            for d in course.dates]


def card(row: SlotRow, course: Course | None, positions: dict[int, int], zone: str, now: datetime) -> ClassCard:
    if course is not None and course.dates:
        loads = _course_loads(course)
        free, capacity = course_available_places(loads, online=True), min(load.bookable_online for load in loads)
        first_start = min(d.starts_at for d in course.dates)
        cancelled, waiting = any(d.cancelled for d in course.dates), course.waiting_bookings
        own_id, own_status, dates = course.own_booking_id, course.own_status, course.dates
    else:
        load = SlotLoad(spaces=row.spaces, online_spaces=row.online_spaces, confirmed=row.held)
        free, capacity = load.available_places(online=True), load.bookable_online
        first_start, cancelled, waiting = row.starts_at, row.cancelled, row.waiting_bookings
        own_id, own_status, dates = row.own_booking_id, row.own_status, []
    situation = Situation(
        window=windows.booking_window(first_start, max_advance_days=row.max_advance,
                                      cutoff_minutes=row.cutoff_minutes, zone=zone),
        cancel_deadline=windows.cancellation_deadline(first_start, min_cancel_days=row.min_cancel, zone=zone),
        free_places=free, waiting_bookings=waiting, cancelled=cancelled, open_online=row.bookable_from_internet,
        waiting_list=row.waitlist_enabled, own_status=own_status,
    )
    position = positions.get(own_id) if own_id is not None else None
    return ClassCard(row, member_options(situation, now), free, capacity, waiting, own_id, position, dates)


def by_day(cards: list[ClassCard], days: list[date], zone: str) -> list[tuple[date, list[ClassCard]]]:
    grouped: dict[date, list[ClassCard]] = {day: [] for day in days}
    for item in cards:
        grouped.setdefault(to_local(item.row.starts_at, zone).date(), []).append(item)
    return [(day, grouped[day]) for day in days]
