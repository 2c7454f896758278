"""What every staff page handler shares: refusals answered as pages (log in, 403), a foreign or
unknown id as the 404 page, and the message a redirect carries."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import NotFound
from bookable.web.staff.access import Refused, Staff
from bookable.web.staff.messages import done_message, error_message
from bookable.web.visit import PageNotFound

Handler = Callable[..., Awaitable[Response]]


def staff_page(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def answered(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        except Refused as refused:
            return refused.response
        except NotFound:
            raise PageNotFound("staff") from None

    return answered


def messages(staff: Staff, request: Request) -> dict[str, str | None]:
    params = request.query_params
    done, error = done_message(params.get("done")), error_message(params.get("error"))
    return {"done": staff.visit._(done) if done else None, "error": staff.visit._(error) if error else None}
