"""A request's headers and body as api.received reads them: as Starlette would."""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from bookable.api.received import body_of, header, headers_of, keep_body


def scope_with(*headers: tuple[bytes, bytes]) -> dict:
    return {"type": "http", "method": "POST", "path": "/", "headers": list(headers)}


def test_a_header_reads_as_starlette_reads_it_the_first_of_two_wins():
    scope = scope_with((b"authorization", b"Bearer first"), (b"authorization", b"Bearer second"),
                       (b"x-name", "Åsa".encode("latin-1")))
    assert header(scope, b"authorization") == Request(scope).headers.get("authorization") == "Bearer first"
    assert header(scope, b"x-name") == Request(scope).headers.get("x-name") == "Åsa"
    assert header(scope, b"x-missing") is None


def test_the_headers_are_read_once_per_request():
    scope = scope_with((b"content-type", b"application/json"))
    assert headers_of(scope) is headers_of(scope)


def test_a_kept_body_is_given_without_reading_the_stream_which_stays_for_a_later_reader():
    async def receive() -> dict:
        return {"type": "http.request", "body": b"streamed", "more_body": False}

    scope = scope_with()
    keep_body(scope, b"kept")
    request = Request(scope, receive)
    assert asyncio.run(body_of(request)) == b"kept"
    assert asyncio.run(request.body()) == b"streamed"
    assert asyncio.run(body_of(Request(scope_with(), receive))) == b"streamed"
