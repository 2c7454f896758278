"""What an offering is and the rules of its parameters (BookingBug's parameters table).

Kinds: an `event` is booked per slot (usually one), a `course` is booked whole (one booking holds
a place on every slot), a `recurring` offering's slots are each booked on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from decimal import Decimal
from enum import StrEnum

from bookable.domain.errors import ValidationError
from bookable.domain.recurrence import LocalOccurrence, Repeat

MAX_NAME = 50
MAX_GROUP = 200
MAX_SPACES = 100_000
MAX_DURATION = 24 * 60 * 14


class Kind(StrEnum):
    EVENT = "event"
    COURSE = "course"
    RECURRING = "recurring"


@dataclass(frozen=True)
class KindDefaults:
    name: str
    repeat: Repeat
    duration: int
    min_cancel: int
    max_advance: int | None
    end_date_is_start: bool


KIND_DEFAULTS = {
    Kind.EVENT: KindDefaults("My Event", Repeat.NONE, 120, 5, None, True),
    Kind.COURSE: KindDefaults("My Course", Repeat.CUSTOM, 60, 5, None, True),
    Kind.RECURRING: KindDefaults("My Recurring Event", Repeat.WEEKLY, 60, 5, 60, False),
}


@dataclass(frozen=True)
class OfferingSpec:
    """Everything needed to create an offering; validated as a whole by `validated()`."""

    kind: Kind
    name: str
    group: str
    start_date: date
    start_time: time
    end_date: date | None = None
    duration: int = 60
    description: str = ""
    spaces: int = 1
    online_spaces: int | None = None
    price: Decimal | None = None
    max_num_bookings: int = 1
    repeat: Repeat = Repeat.NONE
    disabled: bool = False
    min_cancel: int = 1
    max_advance: int | None = None
    booking_cutoff_minutes: int = 0
    ask_address: bool = False
    ticket_type: int = 0
    code: str = ""
    event_message: str = ""
    waitlist_enabled: bool = True
    auto_promote: bool = True
    bookable_from_internet: bool = True
    max_upcoming_bookings: int | None = None  # per member; None: no limit of the offering's own
    custom_slots: tuple[LocalOccurrence, ...] = field(default=())

    def validated(self) -> OfferingSpec:
        check_name(self.name)
        if not self.group.strip():
            raise ValidationError("group is required.", field="group")
        if len(self.group) > MAX_GROUP:
            raise ValidationError(f"group is longer than {MAX_GROUP} characters.", field="group")
        _check_range("spaces", self.spaces, 0, MAX_SPACES)
        if self.online_spaces is not None:
            _check_range("online_spaces", self.online_spaces, 0, MAX_SPACES)
        _check_range("duration", self.duration, 1, MAX_DURATION)
        _check_range("max_num_bookings", self.max_num_bookings, 1, MAX_SPACES)
        _check_range("min_cancel", self.min_cancel, 0, 3650)
        if self.max_advance is not None:
            _check_range("max_advance", self.max_advance, 0, 3650)
        _check_range("ticket_type", self.ticket_type, 0, 3)
        if self.max_upcoming_bookings is not None:
            _check_range("max_upcoming_bookings", self.max_upcoming_bookings, 1, MAX_SPACES)
        _check_range("booking_cutoff_minutes", self.booking_cutoff_minutes, 0, 60 * 24 * 365)
        if self.price is not None and (self.price < 0 or self.price.as_tuple().exponent < -2):  # type: ignore[operator]
            raise ValidationError("price must be a non-negative amount with 2 decimals.", field="price")
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValidationError("end_date is before start_date.", field="end_date")
        if self.custom_slots and self.repeat is not Repeat.CUSTOM:
            return replace(self, repeat=Repeat.CUSTOM).validated()
        for slot in self.custom_slots:
            _check_range("duration", slot.duration, 1, MAX_DURATION)
        return self


def check_name(name: str) -> None:
    if not name.strip():
        raise ValidationError("name must not be empty.", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"name is longer than {MAX_NAME} characters.", field="name")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high}.", field=name)


def parse_kind(text: str) -> Kind:
    aliases = {
        "event": Kind.EVENT,
        "0": Kind.EVENT,
        "course": Kind.COURSE,
        "1": Kind.COURSE,
        "recurring": Kind.RECURRING,
        "recurring_event": Kind.RECURRING,
        "2": Kind.RECURRING,
    }
    try:
        return aliases[text.strip().lower()]
    except KeyError:
        raise ValidationError("type must be event, course or recurring_event (or 0, 1, 2).", field="type") from None


def parse_repeat(value: object) -> Repeat:
    try:
        return Repeat(int(str(value).strip()))
    except ValueError:
        raise ValidationError("repeat must be an integer from 0 to 8.", field="repeat") from None
