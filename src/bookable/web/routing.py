"""The web pages' router: their routes are matched only for their own paths (bookable.web.PATHS)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
