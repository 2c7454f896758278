"""Every call the web pages make to the engine, in one place: each runs its use case the way every
API runs its own (api.context: read_in, write_in; password checks in the thread pool). Pages call
these and render what they return; the rules are the services' and the domain's.

Booking and cancelling claim the form's one-time token in the booking's own transaction, after the
service has decided (a refused booking writes nothing, so a SQLite write batch needs no savepoint
for it): a double click books or cancels once, and the second click is answered as the first was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from starlette.requests import Request

from bookable.api.auth import authenticator, client_address
from bookable.api.context import read_in, write_in
from bookable.api.execution import run_checks
from bookable.domain.actors import Actor, utc_now
from bookable.domain.booking import Waitlist as WaitlistPolicy
from bookable.domain.errors import AlreadyBooked, AlreadyWaitlisted, InvalidState
from bookable.domain.member_options import amount_owed
from bookable.domain.money import ZERO, LedgerLine, balance
from bookable.services import bookings as booking_service
from bookable.services import calendar_feeds, catalog
from bookable.services.accounts import Principal
from bookable.storage.database import Database
from bookable.storage.queries import web as reads
from bookable.storage.unit_of_work import UnitOfWork
from bookable.storage.web_forms import claim_form_token, form_token_claimed

T = TypeVar("T")
Work = Callable[[UnitOfWork], T]


read = read_in
write = write_in


def _reading(database: Database, tenant_id: int, work: Work[T]) -> T:
    """A read in this thread: a password check, which runs in the thread pool (argon2)."""
    with UnitOfWork(database, tenant_id, write=False) as uow:
        return work(uow)


# ---------------------------------------------------------------- sites


async def site(database: Database, slug: str) -> reads.Site | None:
    return await read(database, 0, lambda uow: reads.site(uow.session, slug))


async def sites(database: Database) -> list[tuple[str, str]]:
    return await read(database, 0, lambda uow: reads.sites(uow.session))


# ---------------------------------------------------------------- the timetable


@dataclass(frozen=True)
class Week:
    slots: list[reads.SlotRow]
    courses: dict[int, reads.Course]
    positions: dict[int, int]
    """The member's place in each waiting list they are on, by booking id."""


async def week(database: Database, tenant_id: int, wanted: reads.WeekFilter) -> Week:
    def work(uow: UnitOfWork) -> Week:
        connection = uow.connection()
        slots = reads.week(connection, tenant_id, wanted)
        course_ids = sorted({slot.offering_id for slot in slots if slot.kind == "course"})
        courses = reads.courses(connection, course_ids, wanted.person_id)
        waiting = [slot.own_booking_id for slot in slots if slot.own_status == "waitlisted"]
        waiting += [course.own_booking_id for course in courses.values() if course.own_status == "waitlisted"]
        return Week(slots, courses, reads.waiting_positions(connection, [b for b in waiting if b is not None]))

    return await read(database, tenant_id, work)


async def filter_choices(database: Database, tenant_id: int) -> reads.Choices:
    return await read(database, tenant_id, lambda uow: reads.filter_choices(uow.session, tenant_id))


# ---------------------------------------------------------------- logging in


async def site_login(request: Request, tenant_id: int, login: str, password: str) -> Principal | None:
    """A member or a staff user of this tenant, checked as every API checks a login: the credential
    cache, argon2 in the thread pool, and the login throttling (429 as an ApiError)."""
    auth = authenticator(request)
    return await run_checks(("web", tenant_id, login), auth.site_login, tenant_id, login, password,
                            client_address(request))


async def display_name(database: Database, tenant_id: int, person_id: int) -> str:
    return await read(database, tenant_id, lambda uow: reads.person_name(uow.session, tenant_id, person_id))


async def password_hash_of(database: Database, tenant_id: int, person_id: int) -> str | None:
    return await read(database, tenant_id, lambda uow: reads.password_hash_of(uow.session, tenant_id, person_id))


async def remember_language(database: Database, actor: Actor, language: str) -> None:
    """The member's language, as their emails' (services.catalog.remember_language): read first, so
    that the usual visit, in the language already kept, takes no write transaction."""
    kept = await read(database, actor.tenant_id,
                      lambda uow: reads.person_language(uow.session, actor.tenant_id, actor.person_id or 0))
    if kept != language:
        await write(database, actor.tenant_id, lambda uow: catalog.remember_language(uow, actor, language))


# ---------------------------------------------------------------- booking and cancelling


@dataclass(frozen=True)
class Done:
    """What a booking or cancelling form did: `replayed` when its token had been used already."""

    booking_id: int | None
    status: str | None
    position: int | None = None
    replayed: bool = False


def _replayed(uow: UnitOfWork, actor: Actor, token: str) -> bool:
    assert actor.person_id is not None
    return form_token_claimed(uow.connection(), actor.person_id, token)


def _claim(uow: UnitOfWork, actor: Actor, token: str) -> None:
    assert actor.person_id is not None
    claim_form_token(uow.connection(), actor.tenant_id, actor.person_id, token, utc_now())


async def book(database: Database, actor: Actor, token: str, *, slot_id: int | None = None,
               offering_id: int | None = None, places: int = 1, waiting_list: bool = False) -> Done:
    def work(uow: UnitOfWork) -> Done:
        if _replayed(uow, actor, token):
            return Done(None, None, replayed=True)
        try:
            outcome = booking_service.book(
                uow, actor, person_id=actor.person_id, slot_id=slot_id, offering_id=offering_id, places=places,
                waitlist=WaitlistPolicy.IF_FULL if waiting_list else WaitlistPolicy.NEVER)
        except (AlreadyBooked, AlreadyWaitlisted):
            if _replayed(uow, actor, token):  # the same form's first post booked while this one waited
                return Done(None, None, replayed=True)
            raise
        _claim(uow, actor, token)
        return Done(outcome.booking.id, outcome.booking.status, outcome.position)

    return await write(database, actor.tenant_id, work)


async def cancel(database: Database, actor: Actor, token: str, booking_id: int) -> Done:
    def work(uow: UnitOfWork) -> Done:
        if _replayed(uow, actor, token):
            return Done(booking_id, "cancelled", replayed=True)
        try:
            outcome = booking_service.cancel(uow, actor, booking_id)
        except InvalidState:
            if _replayed(uow, actor, token):
                return Done(booking_id, "cancelled", replayed=True)
            raise
        _claim(uow, actor, token)
        return Done(outcome.booking.id, outcome.booking.status)

    return await write(database, actor.tenant_id, work)


# ---------------------------------------------------------------- the member's bookings


@dataclass(frozen=True)
class BookingLine:
    booking: reads.MemberBooking
    position: int | None
    owed: Decimal
    """What the booking still owes; ZERO when nothing."""


async def member_bookings(database: Database, actor: Actor) -> list[BookingLine]:
    assert actor.person_id is not None
    person_id = actor.person_id

    def work(uow: UnitOfWork) -> list[BookingLine]:
        rows = reads.member_bookings(uow.session, actor.tenant_id, person_id)
        positions = reads.waiting_positions(uow.connection(), [r.id for r in rows if r.status == "waitlisted"])
        ledgers = reads.ledger_lines(uow.session, actor.tenant_id, [row.id for row in rows if row.price])
        return [BookingLine(row, positions.get(row.id), _owed(row, ledgers.get(row.id, []))) for row in rows]

    return await read(database, actor.tenant_id, work)


def _owed(row: reads.MemberBooking, lines: list[LedgerLine]) -> Decimal:
    if row.status == "cancelled" or row.status == "waitlisted":
        return ZERO
    return amount_owed(row.price, row.places, balance(lines))


# ---------------------------------------------------------------- calendars


async def booking_calendar(database: Database, actor: Actor, booking_id: int) -> list[reads.CalendarEntry]:
    """The dates of one of the member's own bookings (NotFound / NotAllowed otherwise)."""
    assert actor.person_id is not None
    person_id = actor.person_id

    def work(uow: UnitOfWork) -> list[reads.CalendarEntry]:
        booking_service.get_booking(uow, actor, booking_id)
        return reads.calendar_entries(uow.session, actor.tenant_id, person_id, booking_id=booking_id)

    return await read(database, actor.tenant_id, work)


async def feed_calendar(database: Database, tenant_id: int, token: str, since: datetime
                        ) -> list[reads.CalendarEntry] | None:
    """The entries of the feed this token opens, or None when it opens none."""

    def work(uow: UnitOfWork) -> list[reads.CalendarEntry] | None:
        person_id = calendar_feeds.feed_owner(uow, token)
        if person_id is None:
            return None
        return reads.calendar_entries(uow.session, tenant_id, person_id, ending_after=since)

    return await read(database, tenant_id, work)


async def new_feed(database: Database, actor: Actor) -> str:
    return await write(database, actor.tenant_id, lambda uow: calendar_feeds.new_feed(uow, actor))


async def revoke_feeds(database: Database, actor: Actor) -> int:
    return await write(database, actor.tenant_id, lambda uow: calendar_feeds.revoke_feeds(uow, actor))


async def has_feed(database: Database, actor: Actor) -> bool:
    return await read(database, actor.tenant_id, lambda uow: calendar_feeds.has_feed(uow, actor))


async def timetable_calendar(database: Database, tenant_id: int, starts_from: datetime, starts_before: datetime,
                             now: datetime, *, business_unit: int | None = None, resource: int | None = None
                             ) -> list[reads.TimetableEntry]:
    """The published classes of the tenant's public feed, of one venue or one resource when given."""

    def work(uow: UnitOfWork) -> list[reads.TimetableEntry]:
        return reads.timetable_entries(uow.connection(), tenant_id, starts_from, starts_before, now,
                                       business_unit=business_unit, resource=resource)

    return await read(database, tenant_id, work)
