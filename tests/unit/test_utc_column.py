"""UtcDateTime on SQLite binds its one-step text (models._sqlite_utc_text): exactly the text that
SQLAlchemy's own DATETIME processor writes after process_bind_param, so rows written either way
read and compare alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from bookable.storage.models import UtcDateTime

SQLITE = sqlite.dialect()
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
AWARE = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=OFFSETS)


def sqlalchemy_text(value: datetime) -> str:
    stored = UtcDateTime().process_bind_param(value, SQLITE)
    return DateTime(timezone=True).dialect_impl(SQLITE).bind_processor(SQLITE)(stored)


@given(AWARE)
def test_an_instant_is_bound_as_the_text_sqlalchemy_would_write(value):
    bind = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert bind(value) == sqlalchemy_text(value)


def test_none_stays_null_and_a_naive_datetime_is_refused():
    bind = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert bind(None) is None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 5, 1, 16, 0))
    assert bind(datetime(2026, 5, 1, 18, 0, tzinfo=timezone(timedelta(hours=2)))) == "2026-05-01 16:00:00.000000"


def test_postgresql_keeps_the_type_decorators_own_processing():
    dialect = postgresql.psycopg.dialect()
    bind = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    value = datetime(2026, 5, 1, 18, 0, tzinfo=timezone(timedelta(hours=2)))
    assert bind(value) == datetime(2026, 5, 1, 16, 0, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.just(UTC)))
def test_an_instant_in_utc_itself_is_bound_as_the_text_sqlalchemy_would_write(value):
    bind = UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert bind(value) == sqlalchemy_text(value)
