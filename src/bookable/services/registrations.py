"""Event registrations (YourMembership): a person's registration and the sessions it holds."""

from __future__ import annotations

from dataclasses import dataclass

from bookable.domain.actors import Actor, utc_now
from bookable.domain.booking import Booking, Waitlist
from bookable.domain.errors import NotFound, ValidationError
from bookable.domain.events import DomainEvent, EventType, catalog_event
from bookable.services.bookings import Settlement, book, cancel
from bookable.services.offerings import get_offering
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork


@dataclass
class RegistrationSessions:
    registration: m.Registration
    bookings: list[m.Booking]


def create_registration(
    uow: UnitOfWork, actor: Actor, offering_id: int, person_id: int, code: str, badge_number: int | None = None
) -> m.Registration:
    get_offering(uow, offering_id)
    if uow.people.person(person_id) is None:
        raise NotFound(f"Person {person_id} not found.", field="person_id")
    if not code.strip() or len(code) > 64:
        raise ValidationError("RegistrationID must be 1 to 64 characters.", field="RegistrationID")
    if uow.people.registration_by_code(offering_id, code) is not None:
        raise ValidationError(f"RegistrationID {code} already exists for this event.", field="RegistrationID")
    registration = uow.people.add(
        m.Registration(
            tenant_id=actor.tenant_id,
            offering_id=offering_id,
            person_id=person_id,
            code=code,
            badge_number=badge_number,
            created_at=utc_now(),
        )
    )
    uow.record(actor, DomainEvent(catalog_event("registration", "created"), "registration", registration.id,
                                  after={"offering_id": offering_id, "person_id": person_id, "code": code}))
    return registration


def find_registration(uow: UnitOfWork, offering_id: int, code: str | None, badge_number: int | None) -> m.Registration:
    registration = uow.people.registration_by_code(offering_id, code) if code else None
    if registration is None and badge_number is not None:
        registration = next(
            (
                r
                for r in uow.catalog.list(
                    m.Registration,
                    m.Registration.offering_id == offering_id,
                    m.Registration.badge_number == badge_number,
                    limit=1,
                )
            ),
            None,
        )
    if registration is None:
        raise NotFound("Registration not found for this event.", field="RegistrationID")
    return registration


def _slots_of_event(uow: UnitOfWork, offering_id: int, slot_ids: list[int]) -> list[m.Slot]:
    if not slot_ids:
        raise ValidationError("No sessions given.", field="SessionIds")
    slots = []
    for slot_id in dict.fromkeys(slot_ids):
        slot = uow.offerings.slot(slot_id)
        if slot is None or slot.offering_id != offering_id:
            raise NotFound(f"Session {slot_id} is not a session of this event.", field="SessionIds")
        slots.append(slot)
    return slots


def assign_sessions(
    uow: UnitOfWork, actor: Actor, registration: m.Registration, slot_ids: list[int]
) -> RegistrationSessions:
    """Book the registrant on each session; a full session puts them on its waiting list."""
    held = {slot_id for b in uow.bookings.of_registration(registration.id) for slot_id in _slot_ids_held(uow, b)}
    assigned = []
    for slot in _slots_of_event(uow, registration.offering_id, slot_ids):
        if slot.id not in held:
            outcome = book(uow, actor, person_id=registration.person_id, slot_id=slot.id, waitlist=Waitlist.IF_FULL,
                           override_window=True, registration_id=registration.id)
            held.update(_slot_ids_held(uow, outcome.booking))
            assigned.append(slot.id)
    if assigned:
        _record_sessions(uow, actor, registration, EventType.REGISTRATION_SESSIONS_ASSIGNED, assigned)
    return RegistrationSessions(registration, uow.bookings.of_registration(registration.id))


def _record_sessions(uow: UnitOfWork, actor: Actor, registration: m.Registration, event: EventType,
                     slot_ids: list[int]) -> None:
    uow.record(actor, DomainEvent(event, "registration", registration.id, after={
        "code": registration.code, "person_id": registration.person_id, "slot_ids": slot_ids}))


def _slot_ids_held(uow: UnitOfWork, booking: m.Booking | Booking) -> set[int]:
    """A course booking (no slot of its own) holds every session of its course."""
    if booking.slot_id is not None:
        return {booking.slot_id}
    return {slot.id for slot in uow.offerings.slots_of(booking.offering_id)}


def remove_sessions(
    uow: UnitOfWork, actor: Actor, registration: m.Registration, slot_ids: list[int]
) -> RegistrationSessions:
    wanted = {slot.id for slot in _slots_of_event(uow, registration.offering_id, slot_ids)}
    removed: list[int] = []
    for booking in uow.bookings.of_registration(registration.id):
        held = _slot_ids_held(uow, booking)
        if wanted & held:
            cancel(uow, actor, booking.id, settlement=Settlement.NONE, override_window=True)
            removed += sorted(held)
    if removed:
        _record_sessions(uow, actor, registration, EventType.REGISTRATION_SESSIONS_REMOVED, removed)
    return RegistrationSessions(registration, uow.bookings.of_registration(registration.id))
