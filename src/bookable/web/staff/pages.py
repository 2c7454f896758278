"""What every staff page handler shares: refusals answered as pages (log in, 403), a foreign or
unknown id as the 404 page, and the message a redirect carries."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import DomainError, NotFound
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm
from bookable.web.staff import engine
from bookable.web.staff.access import Refused, Staff
from bookable.web.staff.messages import done_message, error_message
from bookable.web.visit import PageNotFound

Handler = Callable[..., Awaitable[Response]]
Back = Callable[..., str]
"""The URL a form's post goes back to, given the message's query parameters (done= or error=)."""


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


async def done_once(staff: Staff, token: str, work: Callable[[UnitOfWork], Any], back: Back,
                    error_code: Callable[[DomainError], str]) -> Response:
    """Run a posted form's work once for its token and go back with what happened: the code `work`
    returns (or a code and more query parameters, as a pair), "again" for a form sent before, or the
    code of what was refused. Another tenant's or an unknown id raises on to the 404 page."""
    try:
        outcome = await engine.act(staff.database, staff.visit.site.id, staff.user_id, token, work)
    except engine.Replayed:
        outcome = "again"
    except BadForm as bad:
        return staff.visit.redirect(back(error=bad.code))
    except NotFound:
        raise
    except DomainError as error:
        return staff.visit.redirect(back(error=error_code(error)))
    done, more = (outcome, {}) if isinstance(outcome, str) else outcome
    return staff.visit.redirect(back(done=done, **more))
