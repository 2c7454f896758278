"""Who may see the staff pages (`/{tenant}/staff/...`): a staff user of this tenant, logged in on its
site, not disabled, with the password they logged in with, and the staff or admin role. An
anonymous visitor is sent to log in; a member gets the 403 page; a page for admins only gets the
403 page for a staff user. The role is read afresh at every request: a user disabled, demoted or
given a new password loses these pages at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.actors import Actor, Channel, Role
from bookable.storage.database import Database
from bookable.web.staff import engine
from bookable.web.state import password_proof
from bookable.web.visit import Visit, begin


@dataclass
class Staff:
    """A staff user's visit: the page's visit, and the engine's caller (channel web)."""

    visit: Visit
    actor: Actor
    user_id: int

    @property
    def is_admin(self) -> bool:
        return self.actor.role is Role.ADMIN

    @property
    def database(self) -> Database:
        return self.visit.web.database

    def url(self, path: str = "", **query: Any) -> str:
        return self.visit.url(f"staff/{path}", **query)

    def page(self, template: str, **context: Any) -> Response:
        return self.visit.page(template, staff=self, **context)


class Refused(Exception):
    """The visitor may not see this staff page: `response` says so (log in, or 403)."""

    def __init__(self, response: Response) -> None:
        super().__init__("refused")
        self.response = response


async def begin_staff(request: Request, tenant: str, *, admin: bool = False) -> Staff:
    visit = await begin(request, tenant)
    session = visit.session
    if session.staff is None:
        if session.is_member:
            raise Refused(forbidden(visit))
        return _login_first(visit)
    user = await engine.staff_user(visit.web.database, visit.site.id, session.staff)
    if user is None or user.disabled or password_proof(user.password_hash) != session.proof or \
            user.role not in (Role.STAFF.value, Role.ADMIN.value):
        visit.change_session(session.logged_out())
        return _login_first(visit)
    staff = Staff(visit, Actor(visit.site.id, user.username, Role(user.role), Channel.WEB), user.id)
    if admin and not staff.is_admin:
        raise Refused(forbidden(visit))
    return staff


def _login_first(visit: Visit) -> Staff:
    raise Refused(visit.redirect(visit.url("login", next=visit.request.url.path, error="login_needed")))


def forbidden(visit: Visit) -> Response:
    return visit.page("staff/forbidden.html", status=403)
