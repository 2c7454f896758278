"""No secret survives into a log line."""

from __future__ import annotations

import pytest

from bookable.observability.redaction import REDACTED, redact, redact_secrets


@pytest.mark.parametrize(("line", "secret"), [
    ("GET /gym/api/ver2/bookings.xml?apikey=bk_live_abcdef&type=ordinary", "bk_live_abcdef"),
    ("GET /x?type=1&APIKEY=0123456789abcdef", "0123456789abcdef"),
    ("body: login=anna&password=hunter2", "hunter2"),
    ("Authorization: Basic YW5uYTpodW50ZXIy", "YW5uYTpodW50ZXIy"),
    ("authorization=Bearer bk_abc.def-ghi", "bk_abc.def-ghi"),
    ("could not connect to postgresql+psycopg://bookable:s3cret@db:5432/bookable", "s3cret"),
    ("the key bk_Zm9vYmFyYmF6cXV4 was refused", "bk_Zm9vYmFyYmF6cXV4"),
])
def test_a_secret_in_a_line_is_blanked(line, secret):
    cleaned = redact(line)

    assert secret not in cleaned and REDACTED in cleaned


def test_a_line_without_secrets_is_left_as_it_was():
    line = "GET /api/v1/slots/5?from=2026-01-01 200 1.5 ms"

    assert redact(line) == line


def test_values_of_secret_named_fields_are_blanked_whatever_they_hold():
    event = redact_secrets(None, "info", {"event": "login", "password": "x", "Authorization": "y", "user": "anna"})

    assert event == {"event": "login", "password": REDACTED, "Authorization": REDACTED, "user": "anna"}
