"""Logging in and out of a tenant's site: members with their email (any case), card number or
customer number, and staff users with their username; throttled, CSRF-protected, and a fresh
session (new CSRF token) at every login and logout."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bookable.api.errors import ApiError
from bookable.services.accounts import Principal
from bookable.web import engine
from bookable.web.forms import BadForm, posted
from bookable.web.messages import done_message, error_message
from bookable.web.rendering import N_
from bookable.web.routing import router
from bookable.web.state import password_proof
from bookable.web.visit import Visit, begin


def safe_next(visit: Visit, wanted: str | None) -> str:
    """Where to go after logging in: a page of this site only, never elsewhere."""
    home = visit.url()
    if not wanted or not wanted.startswith(home) or "//" in wanted or "\\" in wanted or len(wanted) > 1000:
        return home
    return wanted


@router.get("/{tenant}/login")
async def login_page(request: Request, tenant: str) -> Response:
    visit = await begin(request, tenant)
    params = request.query_params
    return _form(visit, safe_next(visit, params.get("next")), error_message(params.get("error")),
                 done_message(params.get("done")))


def _form(visit: Visit, next_url: str, error: str | None = None, done: str | None = None, login: str = "",
          status: int = 200) -> Response:
    return visit.page("login.html", status=status, next_url=next_url, login=login,
                      error=visit._(error) if error else None, done=visit._(done) if done else None)


WRONG = N_("Wrong login or password.")
THROTTLED = N_("Too many failed logins. Please wait a few minutes and try again.")


@router.post("/{tenant}/login")
async def log_in(request: Request, tenant: str) -> Response:
    visit = await begin(request, tenant)
    try:
        form = await posted(request, visit.session)
    except BadForm as bad:
        return _form(visit, visit.url(), error_message(bad.code), status=403)
    login, password = form.text("login").strip(), form.text("password", 1000)
    next_url = safe_next(visit, form.text("next", 1000))
    try:
        principal = await engine.site_login(request, visit.site.id, login, password) if login and password else None
    except ApiError as refused:
        if refused.status != 429:
            raise
        return _form(visit, next_url, THROTTLED, login=login, status=429)
    if principal is None:
        return _form(visit, next_url, WRONG, login=login, status=401)
    await _log_in_as(visit, principal)
    if principal.person_id is None and next_url == visit.url():
        next_url = visit.url("staff/")  # a staff user with nowhere else to go: their own pages
    return visit.redirect(next_url)


async def _log_in_as(visit: Visit, principal: Principal) -> None:
    if principal.person_id is not None:
        name = await engine.display_name(visit.web.database, visit.site.id, principal.person_id)
        visit.change_session(visit.session.logged_in_as(person_id=principal.person_id, staff=None, name=name,
                                                        proof=password_proof(principal.proof)))
        if visit.member is not None:  # the language they log in with is their emails'
            await engine.remember_language(visit.web.database, visit.member, visit.language)
    else:
        visit.change_session(visit.session.logged_in_as(person_id=None, staff=principal.name, name=principal.name,
                                                        proof=password_proof(principal.proof)))


@router.post("/{tenant}/logout")
async def log_out(request: Request, tenant: str) -> Response:
    visit = await begin(request, tenant)
    try:
        await posted(request, visit.session)
    except BadForm:
        return visit.redirect(visit.url())
    visit.change_session(visit.session.logged_out())
    return visit.redirect(visit.url("login", done="logged_out"))
