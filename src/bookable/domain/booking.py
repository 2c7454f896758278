"""The booking rulebook: what a booking request becomes, decided from the facts alone.

A use case reads the facts (storage reads them in one statement, under the slot's lock), asks
`decide_booking()`, and writes what it answers. Every rule a booking obeys lives here: who may
book for whom, cancelled slots, disabled or offline offerings, places per booking, the booking
window, double bookings, the member's booking limits, capacity (online capacity for members) and
the waiting list. Nothing here reads a database or knows an API.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from bookable.domain import windows
from bookable.domain.actors import Actor
from bookable.domain.capacity import SlotLoad, course_available_places
from bookable.domain.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    BookingLimitReached,
    InvalidState,
    NotAllowed,
    NotFound,
    OfferingDisabled,
    SlotCancelled,
    SlotFull,
    TooManyPlaces,
    ValidationError,
    WaitingListClosed,
)


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    RESERVED = "reserved"  # unconfirmed, and still holding its places
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


HOLDING = (BookingStatus.CONFIRMED, BookingStatus.RESERVED)
"""Statuses whose places count against a slot's capacity."""
ACTIVE = (*HOLDING, BookingStatus.WAITLISTED)
"""Statuses of a booking that is still on: it holds places or waits for them."""


class Waitlist(StrEnum):
    """What a booking does when there is no place: refused (NEVER), or waits (IF_FULL)."""

    NEVER = "never"
    IF_FULL = "if_full"


class SlotFacts(NamedTuple):
    """A slot as a booking reads it."""

    id: int
    offering_id: int
    starts_at: datetime
    ends_at: datetime
    spaces: int
    online_spaces: int | None
    cancelled: bool


class OfferingFacts(NamedTuple):
    """An offering's booking parameters. `bookable_from_internet` is the offering's own flag and
    its product's together (bookable_online())."""

    id: int
    tenant_id: int
    kind: str
    disabled: bool
    bookable_from_internet: bool
    max_num_bookings: int
    waitlist_enabled: bool
    auto_promote: bool
    max_advance: int | None
    booking_cutoff_minutes: int
    min_cancel: int
    max_upcoming_bookings: int | None


class ActiveBooking(NamedTuple):
    id: int
    status: str


class Limits(NamedTuple):
    """Caps on the upcoming bookings one member holds: across the tenant, and on one offering."""

    tenant: int | None
    offering: int | None

    def any(self) -> bool:
        return self.tenant is not None or self.offering is not None


class Upcoming(NamedTuple):
    """The member's active bookings on slots that have not started: in all, and on this offering."""

    in_all: int
    on_offering: int


class BookingFacts(NamedTuple):
    """Everything a booking is decided from, read under the lock of the slots it would take."""

    person_id: int
    offering: OfferingFacts
    slots: tuple[SlotFacts, ...]
    slot_id: int | None  # None: a whole course, one booking holding a place on every slot
    loads: tuple[SlotLoad, ...]  # places held on each slot (waiting left out)
    person_found: bool
    active: ActiveBooking | None  # the person's booking already on this slot or course
    limits: Limits
    zone: str
    shown: tuple[Any, ...] = ()  # what the caller's answer shows of the slot, read with it; no rule reads it

    @property
    def first_start(self) -> datetime:
        slots = self.slots
        return slots[0].starts_at if len(slots) == 1 else min(slot.starts_at for slot in slots)

    @property
    def span(self) -> tuple[datetime, datetime]:
        """From the first start to the last end: what a booking of this target covers."""
        slots = self.slots
        if len(slots) == 1:
            return slots[0].starts_at, slots[0].ends_at
        return self.first_start, max(slot.ends_at for slot in slots)


class BookingRequest(NamedTuple):
    places: int = 1
    waitlist: Waitlist = Waitlist.NEVER
    confirmed: bool = True  # False: reserved (unconfirmed), holding its places all the same
    override_window: bool = False  # staff only: book outside the booking window


def booking_person(actor: Actor, person_id: int | None) -> int:
    """Whom a booking is for: a member books for themself only; staff name the person."""
    if actor.is_member:
        if person_id is not None and person_id != actor.person_id:
            raise NotAllowed("Members may only book for themselves.", field="person_id")
        person_id = actor.person_id
    if person_id is None:
        raise ValidationError("person_id is required.", field="person_id")
    return person_id


def bookable_online(offering_flag: bool, product_flag: bool | None) -> bool:
    """Members book from the internet only what the offering and its product (if any) both allow."""
    return offering_flag and product_flag is not False


def limits_apply(actor: Actor, facts: BookingFacts) -> bool:
    """Whether this booking must count the member's upcoming bookings: only member calls are
    bound by the limits (a booking made by staff is theirs to decide)."""
    return actor.is_member and facts.limits.any()


def decide_booking(
    actor: Actor, facts: BookingFacts, request: BookingRequest, now: datetime, upcoming: Upcoming | None = None
) -> BookingStatus:
    """The status the booking is made with (confirmed, reserved or waitlisted), or the domain error
    that refuses it. `upcoming` is required when limits_apply()."""
    if not facts.person_found:
        raise NotFound(f"Person {facts.person_id} not found.", field="person_id")
    _check_open(actor, facts, request, now)
    refuse_double_booking(facts.active)
    if limits_apply(actor, facts):
        assert upcoming is not None, "limits apply: the member's upcoming bookings must be read"
        _check_limits(facts.limits, upcoming)
    if request.places <= course_available_places(facts.loads, online=actor.is_member):
        return BookingStatus.CONFIRMED if request.confirmed else BookingStatus.RESERVED
    if request.waitlist is Waitlist.NEVER:
        raise SlotFull("No places left.")
    if not facts.offering.waitlist_enabled:
        raise WaitingListClosed("No places left and this offering has no waiting list.")
    return BookingStatus.WAITLISTED


def _check_open(actor: Actor, facts: BookingFacts, request: BookingRequest, now: datetime) -> None:
    offering = facts.offering
    if not facts.slots:
        raise ValidationError("This offering has no slots to book.", field="offering_id")
    if any(slot.cancelled for slot in facts.slots):
        raise SlotCancelled("This slot is cancelled.")
    if offering.disabled and not actor.is_staff:
        raise OfferingDisabled("This offering is not open for booking.")
    if actor.is_member and not offering.bookable_from_internet:
        raise OfferingDisabled("This offering cannot be booked online.")
    if not 1 <= request.places <= offering.max_num_bookings:
        raise TooManyPlaces(f"places must be between 1 and {offering.max_num_bookings}.", field="places")
    window = booking_window(facts)
    windows.check_can_book(window, now, override=request.override_window and actor.is_staff)


def booking_window(facts: BookingFacts) -> windows.BookingWindow:
    offering = facts.offering
    return windows.booking_window(facts.first_start, max_advance_days=offering.max_advance,
                                  cutoff_minutes=offering.booking_cutoff_minutes, zone=facts.zone)


def refuse_double_booking(active: ActiveBooking | None) -> None:
    """A person holds one active booking on a slot at most."""
    if active is None:
        return
    if active.status == BookingStatus.WAITLISTED:
        raise AlreadyWaitlisted(f"Already on the waiting list (booking {active.id}).")
    raise AlreadyBooked(f"Already booked (booking {active.id}).")


def _check_limits(limits: Limits, upcoming: Upcoming) -> None:
    if limits.tenant is not None and upcoming.in_all >= limits.tenant:
        raise BookingLimitReached(f"You already hold {upcoming.in_all} upcoming booking(s), the most allowed "
                                  f"({limits.tenant}).", field="person_id")
    if limits.offering is not None and upcoming.on_offering >= limits.offering:
        raise BookingLimitReached(f"You already hold {upcoming.on_offering} upcoming booking(s) of this "
                                  f"offering, the most allowed ({limits.offering}).", field="person_id")


class Booking(NamedTuple):
    """A booking as the engine hands it to front ends (written or read, the same record)."""

    id: int
    tenant_id: int
    person_id: int
    offering_id: int
    slot_id: int | None  # None: a whole course
    registration_id: int | None
    places: int
    status: str
    queue_number: int | None
    channel: str
    online: bool
    created_at: datetime
    changed_at: datetime


def check_can_cancel(actor: Actor, status: str, first_start: datetime, *, min_cancel_days: int, zone: str,
                     now: datetime, override_window: bool) -> None:
    """A booking is cancelled once; one that holds places only until its cancellation deadline
    (staff may override it). A place on the waiting list may be given up at any time."""
    if status == BookingStatus.CANCELLED:
        raise InvalidState("This booking is already cancelled.", field="booking_id")
    if status in HOLDING:
        deadline = windows.cancellation_deadline(first_start, min_cancel_days=min_cancel_days, zone=zone)
        windows.check_can_cancel(deadline, now, override=override_window and actor.is_staff)


def promotion_open(auto_promote: bool, first_start: datetime, slots_cancelled: bool, now: datetime) -> bool:
    """Freed places go to the waiting list, unless the offering says not to, the slot has started
    or is cancelled."""
    return auto_promote and first_start > now and not slots_cancelled


def check_can_confirm(status: str) -> None:
    if status not in HOLDING:
        raise InvalidState(f"This booking is {status}: it cannot be (un)confirmed.", field="Confirmed")


def check_can_pay(status: str) -> None:
    if status == BookingStatus.CANCELLED:
        raise InvalidState("This booking is cancelled: no payment can be taken.", field="booking_id")


def check_can_promote(actor: Actor, status: str, places: int, free_places: int) -> None:
    """Staff may promote a waiting booking of their choice, out of turn, into places that are free."""
    if not actor.is_staff:
        raise NotAllowed("Only staff promote from the waiting list.", field="booking_id")
    if status != BookingStatus.WAITLISTED:
        raise InvalidState(f"This booking is {status}: only a waiting booking can be promoted.", field="booking_id")
    if places > free_places:
        raise SlotFull(f"{free_places} places are free: this booking needs {places}.", field="booking_id")
