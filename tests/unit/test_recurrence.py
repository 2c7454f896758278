from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bookable.domain.errors import ValidationError
from bookable.domain.localtime import to_local
from bookable.domain.recurrence import (
    MAX_OCCURRENCES,
    LocalOccurrence,
    Repeat,
    occurrence_instants,
    occurrences,
)

STOCKHOLM = "Europe/Stockholm"
LONDON = "Europe/London"
SIX_PM = time(18, 0)


def dates_of(
    repeat: Repeat,
    start: date,
    end: date | None,
    horizon: date | None = None,
) -> list[date]:
    occs = occurrences(repeat, start_date=start, start_time=SIX_PM, duration=60, end_date=end, horizon=horizon)
    assert all(occ.time == SIX_PM and occ.duration == 60 for occ in occs)
    return [occ.date for occ in occs]


def d(text: str) -> date:
    return date.fromisoformat(text)


def ds(*texts: str) -> list[date]:
    return [d(text) for text in texts]


def test_the_repeat_values_are_bookingbugs_0_to_8() -> None:
    assert [rule.value for rule in Repeat] == list(range(9))
    assert Repeat(6) is Repeat.CUSTOM


# 2026-06-01 is a Monday.
@pytest.mark.parametrize(
    ("repeat", "start", "end", "expected"),
    [
        (Repeat.NONE, "2026-06-01", "2026-06-01", ds("2026-06-01")),
        (Repeat.NONE, "2026-06-01", "2026-12-31", ds("2026-06-01")),
        (Repeat.NONE, "2026-06-01", None, ds("2026-06-01")),
        (Repeat.WEEKLY, "2026-06-01", "2026-06-22", ds("2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22")),
        (Repeat.WEEKLY, "2026-06-01", "2026-06-21", ds("2026-06-01", "2026-06-08", "2026-06-15")),
        (Repeat.FORTNIGHTLY, "2026-06-01", "2026-07-13", ds("2026-06-01", "2026-06-15", "2026-06-29", "2026-07-13")),
        (
            Repeat.WEEKDAYS,
            "2026-06-04",
            "2026-06-10",
            ds("2026-06-04", "2026-06-05", "2026-06-08", "2026-06-09", "2026-06-10"),
        ),
        (Repeat.WEEKDAYS, "2026-06-06", "2026-06-09", ds("2026-06-08", "2026-06-09")),
        (Repeat.WEEKENDS, "2026-06-01", "2026-06-14", ds("2026-06-06", "2026-06-07", "2026-06-13", "2026-06-14")),
        (Repeat.WEEKENDS, "2026-06-07", "2026-06-13", ds("2026-06-07", "2026-06-13")),
        (Repeat.DAILY, "2026-06-29", "2026-07-02", ds("2026-06-29", "2026-06-30", "2026-07-01", "2026-07-02")),
        (Repeat.DAILY, "2026-06-01", "2026-06-01", ds("2026-06-01")),
        (Repeat.MONTHLY_BY_DAY, "2026-06-10", "2026-09-10", ds("2026-06-10", "2026-07-10", "2026-08-10", "2026-09-10")),
        (Repeat.MONTHLY_BY_DAY, "2026-06-10", "2026-09-09", ds("2026-06-10", "2026-07-10", "2026-08-10")),
        # 3rd Tuesday of each month.
        (
            Repeat.MONTHLY_BY_WEEKDAY,
            "2026-06-16",
            "2026-09-30",
            ds("2026-06-16", "2026-07-21", "2026-08-18", "2026-09-15"),
        ),
        # 1st Monday.
        (Repeat.MONTHLY_BY_WEEKDAY, "2026-06-01", "2026-08-31", ds("2026-06-01", "2026-07-06", "2026-08-03")),
    ],
)
def test_each_repeat_rule_yields_its_dates_until_the_end_date_inclusive(
    repeat: Repeat, start: str, end: str | None, expected: list[date]
) -> None:
    assert dates_of(repeat, d(start), None if end is None else d(end)) == expected


def test_a_plain_int_repeat_value_is_accepted() -> None:
    assert dates_of(Repeat(1), d("2026-06-01"), d("2026-06-08")) == ds("2026-06-01", "2026-06-08")


@pytest.mark.parametrize("value", [-1, 9, 42])
def test_a_repeat_value_outside_0_to_8_is_refused(value: int) -> None:
    with pytest.raises(ValidationError) as raised:
        occurrences(
            value,  # type: ignore[arg-type]
            start_date=d("2026-06-01"),
            start_time=SIX_PM,
            duration=60,
            end_date=d("2026-06-30"),
            horizon=None,
        )
    assert raised.value.field == "repeat"


def test_the_occurrences_carry_the_start_time_and_duration() -> None:
    occs = occurrences(
        Repeat.WEEKLY,
        start_date=d("2026-06-01"),
        start_time=time(9, 30),
        duration=45,
        end_date=d("2026-06-08"),
        horizon=None,
    )
    assert occs == [
        LocalOccurrence(d("2026-06-01"), time(9, 30), 45),
        LocalOccurrence(d("2026-06-08"), time(9, 30), 45),
    ]


# --- month ends -------------------------------------------------------------------------------


def test_monthly_by_day_on_the_31st_falls_back_to_the_last_day_of_shorter_months() -> None:
    assert dates_of(Repeat.MONTHLY_BY_DAY, d("2027-01-31"), d("2027-07-31")) == ds(
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31"
    )


def test_monthly_by_day_on_the_30th_uses_february_end_and_keeps_the_30th_in_long_months() -> None:
    assert dates_of(Repeat.MONTHLY_BY_DAY, d("2027-01-30"), d("2027-04-30")) == ds(
        "2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30"
    )


def test_monthly_by_day_on_the_29th_hits_february_29th_only_in_leap_years() -> None:
    assert dates_of(Repeat.MONTHLY_BY_DAY, d("2027-01-29"), d("2027-03-29")) == ds(
        "2027-01-29", "2027-02-28", "2027-03-29"
    )
    assert dates_of(Repeat.MONTHLY_BY_DAY, d("2028-01-29"), d("2028-03-29")) == ds(
        "2028-01-29", "2028-02-29", "2028-03-29"
    )


@pytest.mark.parametrize(
    ("year", "february_end"),
    [(2027, "2027-02-28"), (2028, "2028-02-29"), (2100, "2100-02-28"), (2000, "2000-02-29")],
)
def test_monthly_by_day_on_january_31st_gives_the_last_day_of_february(year: int, february_end: str) -> None:
    start = date(year, 1, 31)
    assert dates_of(Repeat.MONTHLY_BY_DAY, start, date(year, 3, 31)) == [start, d(february_end), date(year, 3, 31)]


def test_monthly_by_weekday_on_a_5th_weekday_repeats_on_the_last_such_weekday() -> None:
    # 2026-06-30 is the 5th Tuesday of June. July and August have four Tuesdays (last: 28th, 25th),
    # September has five (last: 29th).
    assert dates_of(Repeat.MONTHLY_BY_WEEKDAY, d("2026-06-30"), d("2026-09-30")) == ds(
        "2026-06-30", "2026-07-28", "2026-08-25", "2026-09-29"
    )


def test_monthly_by_weekday_on_a_4th_weekday_stays_on_the_4th_even_in_five_weekday_months() -> None:
    # 2026-06-23 is the 4th Tuesday; June 2026 has five Tuesdays, September 2026 too.
    assert dates_of(Repeat.MONTHLY_BY_WEEKDAY, d("2026-06-23"), d("2026-09-30")) == ds(
        "2026-06-23", "2026-07-28", "2026-08-25", "2026-09-22"
    )


def test_monthly_by_weekday_on_the_5th_sunday_of_february_in_a_leap_year() -> None:
    # 2032-02-29 is a Sunday, the 5th Sunday of February 2032.
    assert d("2032-02-29").weekday() == 6
    assert dates_of(Repeat.MONTHLY_BY_WEEKDAY, d("2032-02-29"), d("2032-04-30")) == ds(
        "2032-02-29", "2032-03-28", "2032-04-25"
    )


# --- leap years -------------------------------------------------------------------------------


def test_a_weekly_rule_from_february_29th_runs_on_the_same_weekday() -> None:
    assert dates_of(Repeat.WEEKLY, d("2028-02-29"), d("2028-03-14")) == ds("2028-02-29", "2028-03-07", "2028-03-14")


def test_a_daily_rule_crosses_february_29th_in_a_leap_year() -> None:
    assert dates_of(Repeat.DAILY, d("2028-02-28"), d("2028-03-01")) == ds("2028-02-28", "2028-02-29", "2028-03-01")
    assert dates_of(Repeat.DAILY, d("2027-02-28"), d("2027-03-01")) == ds("2027-02-28", "2027-03-01")


def test_monthly_by_day_from_february_29th_stays_on_the_29th() -> None:
    assert dates_of(Repeat.MONTHLY_BY_DAY, d("2028-02-29"), d("2028-04-30")) == ds(
        "2028-02-29", "2028-03-29", "2028-04-29"
    )


# --- custom ----------------------------------------------------------------------------------


def test_a_custom_rule_yields_exactly_the_custom_slots_sorted_by_date_and_time() -> None:
    # The spec's example, given out of order, plus a second slot on one day.
    custom = [
        LocalOccurrence(d("2020-03-20"), time(9, 30), 90),
        LocalOccurrence(d("2020-01-01"), time(11, 0), 60),
        LocalOccurrence(d("2020-02-10"), time(11, 10), 50),
        LocalOccurrence(d("2020-01-01"), time(8, 0), 30),
    ]
    occs = occurrences(
        Repeat.CUSTOM,
        start_date=d("2020-01-01"),
        start_time=time(12, 0),
        duration=60,
        end_date=d("2020-01-01"),
        horizon=d("2020-01-10"),
        custom=custom,
    )
    assert occs == [
        LocalOccurrence(d("2020-01-01"), time(8, 0), 30),
        LocalOccurrence(d("2020-01-01"), time(11, 0), 60),
        LocalOccurrence(d("2020-02-10"), time(11, 10), 50),
        LocalOccurrence(d("2020-03-20"), time(9, 30), 90),
    ]


def test_an_empty_custom_list_gives_one_occurrence_at_the_start() -> None:
    occs = occurrences(
        Repeat.CUSTOM, start_date=d("2020-01-01"), start_time=time(11, 0), duration=60, end_date=None, horizon=None
    )
    assert occs == [LocalOccurrence(d("2020-01-01"), time(11, 0), 60)]


def test_custom_slots_are_ignored_by_the_other_rules() -> None:
    occs = occurrences(
        Repeat.NONE,
        start_date=d("2020-01-01"),
        start_time=time(11, 0),
        duration=60,
        end_date=None,
        horizon=None,
        custom=[LocalOccurrence(d("2020-05-05"), time(8, 0), 30)],
    )
    assert occs == [LocalOccurrence(d("2020-01-01"), time(11, 0), 60)]


def test_a_custom_slot_without_a_positive_duration_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        occurrences(
            Repeat.CUSTOM,
            start_date=d("2020-01-01"),
            start_time=time(11, 0),
            duration=60,
            end_date=None,
            horizon=None,
            custom=[LocalOccurrence(d("2020-01-02"), time(11, 0), 0)],
        )
    assert raised.value.field == "duration"


def test_more_custom_slots_than_the_maximum_are_refused() -> None:
    custom = [LocalOccurrence(d("2020-01-01"), time(11, 0), 60)] * (MAX_OCCURRENCES + 1)
    with pytest.raises(ValidationError) as raised:
        occurrences(
            Repeat.CUSTOM,
            start_date=d("2020-01-01"),
            start_time=time(11, 0),
            duration=60,
            end_date=None,
            horizon=None,
            custom=custom,
        )
    assert raised.value.field == "slots"


# --- open-ended and horizons -------------------------------------------------------------------


def test_an_open_ended_rule_runs_until_the_horizon_inclusive() -> None:
    assert dates_of(Repeat.WEEKLY, d("2026-06-01"), None, horizon=d("2026-06-15")) == ds(
        "2026-06-01", "2026-06-08", "2026-06-15"
    )


def test_with_both_an_end_date_and_a_horizon_the_earlier_one_wins() -> None:
    assert dates_of(Repeat.WEEKLY, d("2026-06-01"), d("2026-12-31"), horizon=d("2026-06-10")) == ds(
        "2026-06-01", "2026-06-08"
    )
    assert dates_of(Repeat.WEEKLY, d("2026-06-01"), d("2026-06-10"), horizon=d("2026-12-31")) == ds(
        "2026-06-01", "2026-06-08"
    )


def test_a_horizon_before_the_start_date_yields_nothing_yet() -> None:
    assert dates_of(Repeat.WEEKLY, d("2026-06-01"), None, horizon=d("2026-05-01")) == []


def test_a_rule_with_no_matching_day_in_its_range_yields_nothing() -> None:
    assert dates_of(Repeat.WEEKDAYS, d("2026-06-06"), d("2026-06-07")) == []


def test_the_horizon_does_not_limit_a_one_off_event() -> None:
    assert dates_of(Repeat.NONE, d("2026-06-01"), None, horizon=d("2026-05-01")) == ds("2026-06-01")


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("repeat", [r for r in Repeat if r not in (Repeat.NONE, Repeat.CUSTOM)])
def test_a_repeating_rule_without_end_date_or_horizon_is_refused(repeat: Repeat) -> None:
    with pytest.raises(ValidationError) as raised:
        dates_of(repeat, d("2026-06-01"), None)
    assert raised.value.field == "end_date"


@pytest.mark.parametrize("repeat", list(Repeat))
def test_an_end_date_before_the_start_date_is_refused(repeat: Repeat) -> None:
    with pytest.raises(ValidationError) as raised:
        dates_of(repeat, d("2026-06-01"), d("2026-05-31"), horizon=d("2026-12-31"))
    assert raised.value.field == "end_date"


def test_more_occurrences_than_the_maximum_are_refused() -> None:
    start = d("2026-01-01")
    assert len(dates_of(Repeat.DAILY, start, start + timedelta(days=MAX_OCCURRENCES - 1))) == MAX_OCCURRENCES
    with pytest.raises(ValidationError) as raised:
        dates_of(Repeat.DAILY, start, start + timedelta(days=MAX_OCCURRENCES))
    assert raised.value.field == "end_date"


def test_an_end_date_far_in_the_future_is_refused_quickly() -> None:
    with pytest.raises(ValidationError) as raised:
        dates_of(Repeat.WEEKDAYS, d("2026-01-01"), date.max)
    assert raised.value.field == "end_date"


def test_a_rule_running_into_the_year_9999_stops_at_the_end_of_the_calendar() -> None:
    assert dates_of(Repeat.MONTHLY_BY_DAY, d("9999-12-31"), date.max) == ds("9999-12-31")
    assert dates_of(Repeat.WEEKLY, d("9999-12-30"), date.max) == ds("9999-12-30")


@pytest.mark.parametrize("duration", [0, -5, 366 * 24 * 60 + 1])
def test_a_duration_outside_the_allowed_range_is_refused(duration: int) -> None:
    with pytest.raises(ValidationError) as raised:
        occurrences(
            Repeat.WEEKLY,
            start_date=d("2026-06-01"),
            start_time=SIX_PM,
            duration=duration,
            end_date=d("2026-06-30"),
            horizon=None,
        )
    assert raised.value.field == "duration"


# --- daylight saving time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "before_utc", "after_utc"),
    [
        # Spring forward: winter -> summer, the UTC instant moves one hour earlier.
        (STOCKHOLM, "2026-03-22", 17, 16),
        (LONDON, "2026-03-22", 18, 17),
        # Fall back: summer -> winter, the UTC instant moves one hour later.
        (STOCKHOLM, "2026-10-18", 16, 17),
        (LONDON, "2026-10-18", 17, 18),
    ],
)
def test_a_weekly_18_00_class_stays_at_18_00_local_across_a_dst_change(
    zone: str, start: str, before_utc: int, after_utc: int
) -> None:
    occs = occurrences(
        Repeat.WEEKLY,
        start_date=d(start),
        start_time=SIX_PM,
        duration=60,
        end_date=d(start) + timedelta(14),
        horizon=None,
    )
    instants = occurrence_instants(occs, zone)
    assert [start_utc.hour for start_utc, _ in instants] == [before_utc, after_utc, after_utc]
    assert [to_local(start_utc, zone).time() for start_utc, _ in instants] == [SIX_PM] * 3
    assert [to_local(start_utc, zone).date() for start_utc, _ in instants] == [occ.date for occ in occs]
    assert all(end - begin == timedelta(minutes=60) for begin, end in instants)
    assert all(begin.tzinfo is UTC for begin, _ in instants)


def test_a_02_30_class_on_the_spring_forward_day_happens_at_03_30_local() -> None:
    occs = occurrences(
        Repeat.DAILY,
        start_date=d("2026-03-28"),
        start_time=time(2, 30),
        duration=60,
        end_date=d("2026-03-30"),
        horizon=None,
    )
    instants = occurrence_instants(occs, STOCKHOLM)
    assert [begin for begin, _ in instants] == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
    ]
    assert to_local(instants[1][0], STOCKHOLM).time() == time(3, 30)
    assert instants[1][1] - instants[1][0] == timedelta(minutes=60)


def test_a_02_30_class_on_the_fall_back_day_takes_the_earlier_summer_time_instant() -> None:
    occs = occurrences(
        Repeat.NONE, start_date=d("2026-10-25"), start_time=time(2, 30), duration=90, end_date=None, horizon=None
    )
    [(begin, end)] = occurrence_instants(occs, STOCKHOLM)
    assert begin == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert to_local(begin, STOCKHOLM).utcoffset() == timedelta(hours=2)
    # 90 minutes of real time: it ends at 03:00 winter time, after the clocks went back.
    assert end == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert to_local(end, STOCKHOLM).time() == time(3, 0)


def test_occurrence_instants_refuses_an_unknown_zone() -> None:
    with pytest.raises(ValidationError) as raised:
        occurrence_instants([], "Nowhere/Special")
    assert raised.value.field == "timezone"
