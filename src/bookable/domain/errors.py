"""Domain errors: a stable code and a human message, never an HTTP status.

Each API maps these codes onto its own envelope and status (see docs/errors.md).
"""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """A value the caller sent is missing, malformed or out of range."""

    code = "invalid_parameter"


class NotFound(DomainError):
    """The thing does not exist, or belongs to another tenant (never said apart)."""

    code = "not_found"


class NotAllowed(DomainError):
    """The caller is known but may not do this (a member touching another's booking)."""

    code = "not_allowed"


class SlotFull(DomainError):
    code = "full"


class AlreadyBooked(DomainError):
    code = "already_booked"


class AlreadyWaitlisted(DomainError):
    code = "already_waitlisted"


class WaitingListClosed(DomainError):
    code = "waiting_list_closed"


class OutsideBookingWindow(DomainError):
    code = "outside_booking_window"


class CancellationTooLate(DomainError):
    code = "cancellation_too_late"


class SlotCancelled(DomainError):
    code = "slot_cancelled"


class OfferingDisabled(DomainError):
    code = "offering_disabled"


class HasActiveBookings(DomainError):
    """Refused: the change would drop slots or offerings that still hold active bookings."""

    code = "has_active_bookings"


class InvalidState(DomainError):
    """The booking is not in a state where this action makes sense (e.g. cancelling twice)."""

    code = "invalid_state"


class TooManyPlaces(DomainError):
    code = "too_many_places"


class BookingLimitReached(DomainError):
    """A member already holds as many upcoming bookings as the tenant or the offering allows."""

    code = "booking_limit_reached"
