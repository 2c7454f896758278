"""The members' web pages: each tenant's public site at `/{tenant}/` (timetable, log in, my bookings,
add to calendar), in Swedish and English, over the same services as the APIs (bookable.web.engine).
Served by `bookable serve` itself, with every file a page needs (static/, no CDN).

Paths: `/`, `/_web/static/...`, and `/{tenant}` and everything under it except `/{tenant}/api/...`
(BRP's); a first segment that another part of the server owns (RESERVED) is never a site.
"""

from __future__ import annotations

import re

from fastapi import FastAPI

from bookable.api.api_routes import ApiRoutes
from bookable.api.errors import Dialect, register
from bookable.web import (  # noqa: F401 - their routes
    bookings,
    calendar,
    login,
    public_calendars,
    site,
    static_files,
    timetable,
)
from bookable.web.errors import render_failure
from bookable.web.routing import router
from bookable.web.staff import admin as staff_admin  # noqa: F401 - their routes
from bookable.web.staff import classes as staff_classes  # noqa: F401 - their routes
from bookable.web.staff import money as staff_money  # noqa: F401 - their routes
from bookable.web.staff import offerings as staff_offerings  # noqa: F401 - their routes
from bookable.web.staff import people as staff_people  # noqa: F401 - their routes
from bookable.web.staff import register_pages as staff_register  # noqa: F401 - their routes
from bookable.web.staff import timetable as staff_timetable  # noqa: F401 - their routes
from bookable.web.staff import webhooks as staff_webhooks  # noqa: F401 - their routes
from bookable.web.state import WebState

RESERVED = ("api", "docs", "redoc", "healthz", "readyz", "metrics", "openapi.json", "static")
_RESERVED = "|".join(re.escape(name) for name in RESERVED)
PATHS = re.compile(rf"^/(?:$|_web/|(?!(?:{_RESERVED})(?:/|$))[a-z0-9][a-z0-9-]{{0,62}}(?:$|/(?!api/)))")


def install(app: FastAPI) -> None:
    """Add the web pages to the app (after the APIs: their paths are matched first)."""
    app.state.web = WebState(app.state.database)
    app.router.routes.append(ApiRoutes(PATHS, router.routes))
    register(Dialect(name="web", pattern=PATHS, render=render_failure))


__all__ = ["PATHS", "install"]
