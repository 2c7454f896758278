"""`/`: the front door of the server. With one tenant it leads straight to that tenant's site. With
several it lists the demo tenants' sites (their data is public) and, when BOOKABLE_WEB_LIST_SITES
is true, every tenant's; otherwise it names no tenant, so a server hosting several organisations
does not tell a passer-by who they are."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookable.demo import SLUGS as DEMO_SLUGS
from bookable.web import engine, i18n
from bookable.web.rendering import PAGE_HEADERS, html, render
from bookable.web.routing import router
from bookable.web.state import web_state
from bookable.web.visit import STATIC

LIST_SITES_ENV = "BOOKABLE_WEB_LIST_SITES"


def listing_everyone() -> bool:
    return os.environ.get(LIST_SITES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@router.get("/")
async def front_door(request: Request) -> Response:
    every_site = await engine.sites(web_state(request).database)
    if len(every_site) == 1:
        return RedirectResponse(f"/{every_site[0][0]}/", status_code=303, headers=PAGE_HEADERS)
    shown = every_site if listing_everyone() else [(slug, name) for slug, name in every_site if slug in DEMO_SLUGS]
    language = i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language"), None)
    languages = [(code, name, f"/?lang={code}") for code, name in i18n.LANGUAGES.items()]
    return html(render(language, "index.html", {"sites": shown, "language": language, "static": STATIC,
                                                "languages": languages}))


@router.get("/{tenant}")
async def site_without_slash(tenant: str) -> Response:
    return RedirectResponse(f"/{tenant}/", status_code=308, headers=PAGE_HEADERS)
