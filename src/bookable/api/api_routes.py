"""Route each request to its API's routes, matching them once, without trying every other API's.

FastAPI matches a request against routes one at a time (~1.5 us per route here). Each API's routes
live under one path pattern (the one its error dialect is registered with), so `ApiRoutes`, one
entry of the application's route list, declines any other path with one regex match and tries the
API's own routes only for its own paths.

Why not an included router: FastAPI 0.165 matches a request against an included router's routes
twice (once to choose the router, once inside it), and before each match walks the router's
subtree to see whether its routes changed. That cost about as much as the rest of the routing.
`ApiRoutes` matches once and remembers the route it chose in the request's scope. A route whose
path has no parameters matches one path only: once a request has been matched to it, later
requests with that method and path go straight to it (`_static`), without trying the routes
before it (a native booking tried seven).
The routes themselves are FastAPI's own `APIRoute`s, unchanged; `documented_routes()` gives them
to the OpenAPI document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from fastapi import APIRouter
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

CHOSEN = "bookable.route"
"""Scope key: the route ApiRoutes.matches() chose, which handle() then runs."""


class ApiRoutes(BaseRoute):
    def __init__(self, paths: re.Pattern[str], routes: Sequence[BaseRoute]) -> None:
        self.paths = paths
        self.routes = list(routes)
        self._static: dict[tuple[str, str, str], BaseRoute] = {}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self.paths.match(scope.get("path", "")):
            return Match.NONE, {}
        key = _static_key(scope)
        known = self._static.get(key) if key is not None else None
        if known is not None:
            return Match.FULL, {"endpoint": known.endpoint, "path_params": {}, "route": known,  # type: ignore[attr-defined]
                                CHOSEN: known}
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                if key is not None and not getattr(route, "param_convertors", True):
                    self._static[key] = route
                return Match.FULL, {**child_scope, CHOSEN: route}
            if match == Match.PARTIAL and partial is None:
                partial = (route, child_scope)  # the path is this route's, the method is not (405)
        if partial is not None:
            return Match.PARTIAL, {**partial[1], CHOSEN: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[CHOSEN].handle(scope, receive, send)


def _static_key(scope: Scope) -> tuple[str, str, str] | None:
    """What a parameterless route's match depends on, for an HTTP request that comes with no
    path parameters of its own (at the application's top level it never does)."""
    if scope["type"] != "http" or scope.get("path_params"):
        return None
    return scope["method"], scope["path"], scope.get("root_path", "")


def api_routes(router: APIRouter, paths: re.Pattern[str]) -> ApiRoutes:
    return ApiRoutes(paths, router.routes)


def documented_routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The application's routes with each API's routes in place of its ApiRoutes."""
    for route in routes:
        if isinstance(route, ApiRoutes):
            yield from route.routes
        else:
            yield route
