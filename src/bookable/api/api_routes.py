"""Route each request to its API's routes, matching them once, without trying every other API's.

FastAPI matches a request against routes one at a time, at a cost per route tried. Each API's routes
live under one path pattern (the one its error dialect is registered with), so `ApiRoutes`, one
entry of the application's route list, declines any other path with one regex match and tries the
API's own routes only for its own paths.

Why not an included router: FastAPI 0.165 matches a request against an included router's routes
twice (once to choose the router, once inside it), and before each match walks the router's
subtree to see whether its routes changed. That cost about as much as the rest of the routing.
`ApiRoutes` matches once and remembers the route it chose in the request's scope. A match depends
only on the method and the path, so the match of each (method, path) seen lately is remembered
(`_known`: at most ROUTES_REMEMBERED paths of up to LONGEST_REMEMBERED characters, the oldest
forgotten first). A later request goes straight to its route, with the path parameters it read,
without trying the routes before it (a native booking tried seven; a BRP booking, whose path
starts with the tenant, five).
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


ROUTES_REMEMBERED = 4096
LONGEST_REMEMBERED = 256
"""Paths longer than this are matched every time: what is remembered stays small (~1 MB at most)."""


class ApiRoutes(BaseRoute):
    def __init__(self, paths: re.Pattern[str], routes: Sequence[BaseRoute]) -> None:
        self.paths = paths
        self.routes = list(routes)
        self._known: dict[tuple[str, str, str], Scope] = {}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self.paths.match(scope.get("path", "")):
            return Match.NONE, {}
        key = _match_key(scope)
        known = self._known.get(key) if key is not None else None
        if known is not None:
            return Match.FULL, {**known, "path_params": dict(known["path_params"])}
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                chosen = {**child_scope, CHOSEN: route}
                if key is not None:
                    self._remember(key, chosen)
                return Match.FULL, chosen
            if match == Match.PARTIAL and partial is None:
                partial = (route, child_scope)  # the path is this route's, the method is not (405)
        if partial is not None:
            return Match.PARTIAL, {**partial[1], CHOSEN: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[CHOSEN].handle(scope, receive, send)

    def _remember(self, key: tuple[str, str, str], chosen: Scope) -> None:
        if len(self._known) >= ROUTES_REMEMBERED:
            del self._known[next(iter(self._known))]
        self._known[key] = {**chosen, "path_params": dict(chosen["path_params"])}


def _match_key(scope: Scope) -> tuple[str, str, str] | None:
    """What a route's match depends on, for an HTTP request that comes with no path parameters of
    its own (at the application's top level it never does)."""
    path = scope["path"]
    if scope["type"] != "http" or scope.get("path_params") or len(path) > LONGEST_REMEMBERED:
        return None
    return scope["method"], path, scope.get("root_path", "")


def api_routes(router: APIRouter, paths: re.Pattern[str]) -> ApiRoutes:
    return ApiRoutes(paths, router.routes)


def documented_routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The application's routes with each API's routes in place of its ApiRoutes."""
    for route in routes:
        if isinstance(route, ApiRoutes):
            yield from route.routes
        else:
            yield route
