"""`?pooler=pgbouncer` in a PostgreSQL URL: no server-side prepared statements, and the parameter
never reaches the driver; an unknown pooler is refused with a message."""

from __future__ import annotations

import pytest

from bookable.domain.errors import ValidationError
from bookable.storage.database import postgres_connection
from bookable.storage.written_rows import CountingCursor


def test_a_url_through_pgbouncer_turns_prepared_statements_off_and_drops_the_parameter():
    url, options = postgres_connection("postgresql+psycopg://app:pw@pooler:6432/bookable?pooler=pgbouncer&sslmode=disable")
    assert options == {"prepare_threshold": None, "cursor_factory": CountingCursor}
    assert dict(url.query) == {"sslmode": "disable"}
    assert (url.host, url.port, url.database) == ("pooler", 6432, "bookable")


def test_a_direct_url_keeps_the_drivers_defaults_but_counts_the_rows_written():
    url, options = postgres_connection("postgresql+psycopg://app@db:5432/bookable")
    assert options == {"cursor_factory": CountingCursor}
    assert url.render_as_string(hide_password=False) == "postgresql+psycopg://app@db:5432/bookable"


def test_an_unknown_pooler_is_refused_with_a_message():
    with pytest.raises(ValidationError, match="Unknown pooler 'odyssey'"):
        postgres_connection("postgresql+psycopg://app@db/bookable?pooler=odyssey")
