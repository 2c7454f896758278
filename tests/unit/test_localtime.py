from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from bookable.domain.errors import ValidationError
from bookable.domain.localtime import parse_date, parse_time, to_local, to_utc, validate_zone

STOCKHOLM = "Europe/Stockholm"
LONDON = "Europe/London"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local_date", "local_time", "zone", "expected"),
    [
        (date(2026, 1, 15), time(18, 0), STOCKHOLM, utc(2026, 1, 15, 17, 0)),
        (date(2026, 7, 15), time(18, 0), STOCKHOLM, utc(2026, 7, 15, 16, 0)),
        (date(2026, 1, 15), time(18, 0), LONDON, utc(2026, 1, 15, 18, 0)),
        (date(2026, 7, 15), time(18, 0), LONDON, utc(2026, 7, 15, 17, 0)),
        (date(2026, 7, 15), time(18, 0), "UTC", utc(2026, 7, 15, 18, 0)),
    ],
)
def test_an_ordinary_local_time_maps_to_its_utc_instant(
    local_date: date, local_time: time, zone: str, expected: datetime
) -> None:
    instant = to_utc(local_date, local_time, zone)
    assert instant == expected
    assert instant.tzinfo is UTC


@pytest.mark.parametrize(
    ("zone", "local_time", "expected_utc", "expected_local"),
    [
        (STOCKHOLM, time(2, 30), utc(2026, 3, 29, 1, 30), time(3, 30)),
        (STOCKHOLM, time(2, 0), utc(2026, 3, 29, 1, 0), time(3, 0)),
        (STOCKHOLM, time(2, 59), utc(2026, 3, 29, 1, 59), time(3, 59)),
        (LONDON, time(1, 30), utc(2026, 3, 29, 1, 30), time(2, 30)),
    ],
)
def test_a_time_in_the_spring_forward_gap_moves_forward_by_the_gap(
    zone: str, local_time: time, expected_utc: datetime, expected_local: time
) -> None:
    instant = to_utc(date(2026, 3, 29), local_time, zone)
    assert instant == expected_utc
    local = to_local(instant, zone)
    assert local.date() == date(2026, 3, 29)
    assert local.time() == expected_local


def test_a_gap_that_is_not_one_hour_long_moves_forward_by_its_own_length() -> None:
    # Lord Howe Island springs forward by 30 minutes; Samoa skipped the whole of 2011-12-30.
    lord_howe = to_utc(date(2026, 10, 4), time(2, 15), "Australia/Lord_Howe")
    assert to_local(lord_howe, "Australia/Lord_Howe").replace(tzinfo=None) == datetime(2026, 10, 4, 2, 45)
    apia = to_utc(date(2011, 12, 30), time(10, 0), "Pacific/Apia")
    assert to_local(apia, "Pacific/Apia").replace(tzinfo=None) == datetime(2011, 12, 31, 10, 0)


def test_the_last_minute_before_the_gap_and_the_first_after_it_are_untouched() -> None:
    assert to_utc(date(2026, 3, 29), time(1, 59), STOCKHOLM) == utc(2026, 3, 29, 0, 59)
    assert to_utc(date(2026, 3, 29), time(3, 0), STOCKHOLM) == utc(2026, 3, 29, 1, 0)


@pytest.mark.parametrize(
    ("zone", "local_time", "expected_utc", "summer_offset"),
    [
        (STOCKHOLM, time(2, 30), utc(2026, 10, 25, 0, 30), timedelta(hours=2)),
        (LONDON, time(1, 30), utc(2026, 10, 25, 0, 30), timedelta(hours=1)),
    ],
)
def test_an_ambiguous_fall_back_time_is_the_earlier_summer_time_instant(
    zone: str, local_time: time, expected_utc: datetime, summer_offset: timedelta
) -> None:
    instant = to_utc(date(2026, 10, 25), local_time, zone)
    assert instant == expected_utc
    local = to_local(instant, zone)
    assert local.time() == local_time
    assert local.utcoffset() == summer_offset


def test_a_fold_on_the_given_time_is_ignored() -> None:
    assert to_utc(date(2026, 10, 25), time(2, 30, fold=1), STOCKHOLM) == utc(2026, 10, 25, 0, 30)


def test_to_local_gives_an_aware_wall_clock_datetime() -> None:
    local = to_local(utc(2026, 3, 29, 16, 0), STOCKHOLM)
    assert (local.hour, local.minute) == (18, 0)
    assert local.utcoffset() == timedelta(hours=2)
    assert local == utc(2026, 3, 29, 16, 0)


def test_to_local_accepts_any_aware_datetime() -> None:
    plus_five = datetime(2026, 1, 1, 5, 0, tzinfo=timezone(timedelta(hours=5)))
    assert to_local(plus_five, LONDON).replace(tzinfo=None) == datetime(2026, 1, 1, 0, 0)


def test_to_local_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        to_local(datetime(2026, 1, 1, 12, 0), STOCKHOLM)


def test_a_round_trip_through_utc_keeps_the_local_time_outside_the_gap() -> None:
    day = date(2026, 1, 1)
    while day < date(2027, 1, 1):
        local = to_local(to_utc(day, time(18, 0), STOCKHOLM), STOCKHOLM)
        assert (local.date(), local.time()) == (day, time(18, 0))
        day += timedelta(days=1)


@pytest.mark.parametrize("zone", [STOCKHOLM, LONDON, "UTC", "America/New_York", "Australia/Lord_Howe"])
def test_a_known_iana_zone_is_valid(zone: str) -> None:
    assert validate_zone(zone) == zone


@pytest.mark.parametrize(
    "zone", ["", "Europe/Stokholm", "europe/stockholm", "CEST", "../etc/passwd", "/usr/share/zoneinfo/UTC"]
)
def test_an_unknown_zone_is_refused_naming_the_timezone_field(zone: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_zone(zone)
    assert raised.value.field == "timezone"


def test_converting_in_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        to_utc(date(2026, 1, 1), time(12, 0), "Mars/Olympus_Mons")
    assert raised.value.field == "timezone"


def test_a_date_too_close_to_the_end_of_time_is_refused_not_crashed() -> None:
    with pytest.raises(ValidationError):
        to_utc(date(9999, 12, 31), time(23, 0), "America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2020-01-01", date(2020, 1, 1)), ("2028-02-29", date(2028, 2, 29)), ("2011-08-15", date(2011, 8, 15))],
)
def test_a_strict_iso_date_parses(text: str, expected: date) -> None:
    assert parse_date(text, "start_date") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2020-13-01",
        "2020-00-10",
        "2020-02-30",
        "2027-02-29",
        "2020-1-01",
        "20-01-01",
        "2020/01/01",
        "2020-01-01x",
        " 2020-01-01",
        "2020-01-01\n",
        "2020-01-01T00:00",
        "0000-01-01",
        "२०२०-०१-०१",
    ],
)
def test_anything_but_a_strict_iso_date_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_date(text, "end_date")
    assert raised.value.field == "end_date"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11:00", time(11, 0)),
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("00:00", time(0, 0)),
        ("0:05", time(0, 5)),
        ("23:59", time(23, 59)),
    ],
)
def test_hh_mm_and_h_mm_times_parse(text: str, expected: time) -> None:
    assert parse_time(text, "time") == expected


@pytest.mark.parametrize(
    "text",
    ["", "25:00", "24:00", "12:60", "11:00x", "11:00:00", "11", "1100", "11:0", "111:00", " 9:30", "9:30\n", "-1:00"],
)
def test_anything_but_hh_mm_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_time(text, "time")
    assert raised.value.field == "time"


def test_a_missing_value_is_refused_rather_than_crashing() -> None:
    with pytest.raises(ValidationError):
        parse_date(None, "start_date")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        parse_time(None, "time")  # type: ignore[arg-type]
