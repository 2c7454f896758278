"""create_app(): one FastAPI application serving the native API and every dialect."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bookable import web
from bookable.api import errors
from bookable.api.api_routes import api_routes, documented_routes
from bookable.api.auth import Authenticator
from bookable.api.errors import ApiError
from bookable.api.middleware import RequestGuard
from bookable.api.native.context import document_security
from bookable.domain.errors import DomainError
from bookable.services import housekeeping
from bookable.storage.database import Database

log = logging.getLogger("bookable")
HORIZON_INTERVAL_SECONDS = 3600
API_MODULES = (
    "bookable.api.native",
    "bookable.api.dialects.views",
    "bookable.api.dialects.bookingbug",
    "bookable.api.dialects.brp",
    "bookable.api.dialects.ym",
)


def create_app(database: Database | None = None, *, roll_horizons: bool = True) -> FastAPI:
    database = database or Database()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _freeze_startup_heap()
        task = asyncio.create_task(_keep_horizons_rolling(database)) if roll_horizons else None
        yield
        if task is not None:
            task.cancel()

    app = FastAPI(
        title="bookable",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        description="Self-hosted booking server: native JSON API.",
    )
    app.state.database = database
    app.state.authenticator = Authenticator(database)
    _install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        """First in the route list and async: a liveness probe costs no routing scan or thread hop."""
        return Response(b'{"status":"ok"}', media_type="application/json")

    _include_apis(app)
    web.install(app)
    _document_native_security(app)

    app.add_middleware(RequestGuard, database=database)
    return app


def _include_apis(app: FastAPI) -> None:
    for name in API_MODULES:
        module = importlib.import_module(name)
        app.router.routes.append(api_routes(module.router, module.PATHS))


def _document_native_security(app: FastAPI) -> None:
    """The OpenAPI document of every API's routes (api_routes.documented_routes), with the native
    API's security schemes written in (native.context.document_security)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=list(documented_routes(app.routes)))
            document_security(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, error: Exception) -> Response:
        return errors.render(request.url.path, error, request)

    async def request_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
        message = f"{field}: {first.get('msg', 'invalid value')}" if field else str(first.get("msg", "invalid value"))
        return errors.render(request.url.path, ApiError(422, "invalid_parameter", message, field=field), request)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "invalid_parameter")
        message = "No such resource." if error.status_code == 404 else str(error.detail)
        return errors.render(request.url.path, ApiError(error.status_code, code, message), request)

    async def unexpected(request: Request, error: Exception) -> Response:
        if is_overload(error):
            log.warning("overloaded on %s %s: %s", request.method, request.url.path, error)
            busy = ApiError(503, "unavailable", "The server is busy; nothing was changed. Retry shortly.",
                            headers={"Retry-After": "1"})
            return errors.render(request.url.path, busy, request)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return errors.render(request.url.path, error, request)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(ApiError, domain_error)
    app.add_exception_handler(RequestValidationError, request_validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _freeze_startup_heap() -> None:
    """Move everything the worker built at start-up (FastAPI, SQLAlchemy, pydantic: ~130,000
    objects) out of the garbage collector's reach. Otherwise every full collection walks them all:
    a 30-100 ms pause of the worker, which is what set the timetable's p99."""
    gc.collect()
    gc.freeze()


def is_overload(error: Exception) -> bool:
    """Waiting too long for a pooled connection or for the SQLite write lock: the request did
    nothing, and the caller should come back (503 with Retry-After), not see a server error."""
    if isinstance(error, SQLAlchemyTimeoutError):
        return True
    cause = error.orig if isinstance(error, DBAPIError) else error
    return isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause)


async def _keep_horizons_rolling(database: Database) -> None:
    while True:
        try:
            await run_in_threadpool(housekeeping.roll_all_horizons, database)
        except Exception:  # noqa: BLE001 - housekeeping must never take the server down
            log.exception("rolling booking horizons failed")
        await asyncio.sleep(HORIZON_INTERVAL_SECONDS)


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` (what `bookable serve` runs in every worker)."""
    return create_app(Database())


__all__ = ["JSONResponse", "app_from_environment", "create_app"]
