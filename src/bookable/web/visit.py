"""One request to a tenant's site: the tenant, the visitor's session and language, and the responses
a page sends (the page itself, or a redirect after a form), with the session cookie when it changed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.storage.queries.web import Site
from bookable.web import engine, i18n
from bookable.web.rendering import PAGE_HEADERS, gettext, html, render
from bookable.web.session import COOKIE, MAX_AGE_SECONDS, Session
from bookable.web.state import WebState, web_state

STATIC = "/_web/static"


class PageNotFound(HTTPException):
    """No such tenant site or page: the 404 page, in the visitor's language (bookable.web.errors)."""

    def __init__(self, what: str = "") -> None:
        super().__init__(404, f"No such page: {what}")


@dataclass
class Visit:
    request: Request
    web: WebState
    site: Site
    session: Session
    language: str
    session_changed: bool = False
    now: Any = field(default_factory=utc_now)

    @property
    def formats(self) -> i18n.Formats:
        return i18n.Formats(self.language, self.site.timezone, self.site.currency)

    @property
    def member(self) -> Actor | None:
        """The logged-in member, as the engine knows a caller; None for anyone else."""
        if self.session.person_id is None:
            return None
        return Actor(self.site.id, f"web:{self.session.person_id}", Role.MEMBER, Channel.WEB, self.session.person_id)

    def url(self, path: str = "", **query: Any) -> str:
        present = {name: value for name, value in query.items() if value not in (None, "")}
        return f"/{self.site.slug}/{path}" + (f"?{urlencode(present)}" if present else "")

    def _(self, message: str, **values: Any) -> str:
        return gettext(self.language, message, **values)

    def change_session(self, session: Session) -> None:
        self.session = session
        self.session_changed = True

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        body = render(self.language, template, {**self.common(), **context})
        return self.with_cookie(html(body, status))

    def redirect(self, url: str) -> Response:
        return self.with_cookie(RedirectResponse(url, status_code=303, headers=PAGE_HEADERS))

    def common(self) -> dict[str, Any]:
        """What every page's layout shows: the site, who is logged in, the language switch."""
        here = self.request.url
        query = {name: value for name, value in self.request.query_params.items() if name not in ('done', 'error')}
        switch = [(code, name, f"{here.path}?{urlencode({**query, 'lang': code})}")
                  for code, name in i18n.LANGUAGES.items()]
        return {"site": self.site, "session": self.session, "language": self.language, "languages": switch,
                "fmt": self.formats, "static": STATIC, "url": self.url, "csrf": self.session.csrf,
                "path": here.path}

    def with_cookie(self, response: Response) -> Response:
        if self.session_changed:
            cookies = self.web.cookie_signer
            assert cookies is not None
            response.set_cookie(COOKIE, cookies.dumps(self.session), max_age=MAX_AGE_SECONDS,
                                path=f"/{self.site.slug}/", httponly=True, samesite="lax",
                                secure=self.request.url.scheme == "https")
        return response


_LANG = re.compile(r"^[a-z]{2}$")


async def begin(request: Request, slug: str) -> Visit:
    """The visit of a tenant's site; PageNotFound when there is no such tenant."""
    web = web_state(request)
    site = await web.site(slug)
    if site is None:
        raise PageNotFound(slug)
    cookies = await web.cookies()
    session = cookies.loads(request.cookies.get(COOKIE), site.id)
    changed = session is None
    if session is None:
        session = Session.new(site.id)
    elif session.person_id is not None and not await web.member_still_valid(session):
        session, changed = session.logged_out(), True
    asked = request.query_params.get("lang", "")
    switched = bool(_LANG.match(asked) and i18n.known(asked) and asked != session.language)
    if switched:
        session, changed = session.speaking(asked), True
    language = i18n.choose(session.language, request.headers.get("accept-language"), site.language)
    visit = Visit(request, web, site, session, language, changed)
    if switched and visit.member is not None:  # a member switching: their emails follow
        await engine.remember_language(web.database, visit.member, asked)
    return visit
