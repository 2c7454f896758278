from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from bookable.domain.attendance import default_attended, format_volunteering, parse_flag, parse_volunteering
from bookable.domain.errors import ValidationError
from bookable.domain.offering import KIND_DEFAULTS, Kind, OfferingSpec, parse_kind, parse_repeat
from bookable.domain.recurrence import LocalOccurrence, Repeat

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_attended_defaults_to_zero_before_the_start_and_one_after():
    assert default_attended(NOW, NOW + timedelta(minutes=1)) is False
    assert default_attended(NOW, NOW) is True


def test_volunteering_roles_are_pipe_separated():
    assert parse_volunteering("Volunteered|Made Coffee") == ("Volunteered", "Made Coffee")
    assert parse_volunteering("") == ()
    assert format_volunteering(("A", "B")) == "A|B"
    with pytest.raises(ValidationError):
        format_volunteering(("x" * 501,))


@pytest.mark.parametrize(("text", "value"), [("1", True), ("0", False), ("true", True), (0, False)])
def test_flags_are_zero_or_one(text, value):
    assert parse_flag(text, "Attended") is value


def test_other_flags_are_refused():
    with pytest.raises(ValidationError):
        parse_flag("yes", "Attended")


def spec(**overrides):
    values = dict(kind=Kind.EVENT, name="Event", group="G", start_date=date(2026, 6, 1), start_time=time(10))
    values.update(overrides)
    return OfferingSpec(**values)


def test_a_valid_spec_passes_validation_unchanged():
    assert spec().validated() == spec()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "x" * 51}, "name"),
        ({"name": " "}, "name"),
        ({"group": ""}, "group"),
        ({"spaces": -1}, "spaces"),
        ({"duration": 0}, "duration"),
        ({"ticket_type": 4}, "ticket_type"),
        ({"max_num_bookings": 0}, "max_num_bookings"),
        ({"price": Decimal("1.234")}, "price"),
        ({"price": Decimal("-1")}, "price"),
        ({"end_date": date(2026, 5, 1)}, "end_date"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(overrides, field):
    with pytest.raises(ValidationError) as error:
        spec(**overrides).validated()
    assert error.value.field == field


def test_custom_slots_imply_repeat_six():
    with_slots = spec(custom_slots=(LocalOccurrence(date(2026, 6, 2), time(9), 30),)).validated()
    assert with_slots.repeat is Repeat.CUSTOM


def test_bookingbug_type_defaults():
    assert KIND_DEFAULTS[Kind.EVENT].duration == 120 and KIND_DEFAULTS[Kind.EVENT].repeat is Repeat.NONE
    assert KIND_DEFAULTS[Kind.COURSE].repeat is Repeat.CUSTOM and KIND_DEFAULTS[Kind.COURSE].min_cancel == 5
    assert KIND_DEFAULTS[Kind.RECURRING].max_advance == 60 and KIND_DEFAULTS[Kind.RECURRING].repeat is Repeat.WEEKLY


@pytest.mark.parametrize(
    ("text", "kind"),
    [("event", Kind.EVENT), ("course", Kind.COURSE), ("recurring_event", Kind.RECURRING), ("2", Kind.RECURRING)],
)
def test_types_by_name_or_number(text, kind):
    assert parse_kind(text) is kind


def test_unknown_type_or_repeat_is_refused():
    with pytest.raises(ValidationError):
        parse_kind("party")
    with pytest.raises(ValidationError):
        parse_repeat("9")
    with pytest.raises(ValidationError):
        parse_repeat("weekly")
