"""Route each request to its API's routes without trying every other API's routes first.

FastAPI matches a request against routes one at a time, at a cost per route tried (~1.5 us here),
across every included router in order: a BRP call used to try some 80 routes of the native, Views
and BookingBug APIs before its own. Each API's routes live under one path pattern (the one its
error dialect is registered with), so a router scoped to that pattern declines any other path at
once, and the API's own routes are tried only for its own paths.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class ScopedRouter(APIRouter):
    def __init__(self, paths: re.Pattern[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paths = paths

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self.paths.match(scope.get("path", "")):
            return Match.NONE, {}
        return super().matches(scope)


def scoped(router: APIRouter, paths: re.Pattern[str]) -> ScopedRouter:
    """The API's routes themselves, not its router included: FastAPI 0.165 walks every included
    router's subtree (to see whether its routes changed) at each level of a match, twice per
    request, and that walk and the extra levels cost about as much as the rest of the routing."""
    return ScopedRouter(paths, routes=list(router.routes))
