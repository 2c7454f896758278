"""Failures on the web pages' paths, as a page in the visitor's language (never a stack trace): the
error dialect the app renders with for these paths (api.errors), as every API has its own."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bookable.api.errors import Failure
from bookable.web import i18n
from bookable.web.messages import ERRORS
from bookable.web.rendering import N_, gettext, html, render
from bookable.web.visit import STATIC

PAGE_ERRORS = {
    404: N_("We could not find that page."),
    405: N_("That page cannot be used that way."),
    413: N_("What was sent is too large."),
}


def render_failure(request: Request | None, failure: Failure) -> Response:
    accept = request.headers.get("accept-language") if request is not None else None
    language = i18n.choose(request.query_params.get("lang") if request is not None else None, accept, None)
    message = PAGE_ERRORS.get(failure.status) or ERRORS.get(failure.code) or ERRORS["invalid_parameter"]
    languages = [(code, name, f"?lang={code}") for code, name in i18n.LANGUAGES.items()]
    body = render(language, "error.html", {"language": language, "static": STATIC, "languages": languages,
                                           "status": failure.status, "message": gettext(language, message)})
    return html(body, failure.status)
