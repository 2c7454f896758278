"""create_app(): one FastAPI application serving the native API and every dialect."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.telemetry import TelemetryConfig
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bookable import __version__, web
from bookable.api import errors
from bookable.api.api_routes import api_routes, documented_routes
from bookable.api.auth import Authenticator
from bookable.api.cors import BrpCors
from bookable.api.credential_watch import watch_credential_changes
from bookable.api.docs_pages import add_docs_assets, add_docs_pages
from bookable.api.errors import ApiError
from bookable.api.middleware import RequestGuard
from bookable.api.native.openapi import document_native_api
from bookable.domain.errors import DomainError
from bookable.notifications.status import publish_metrics
from bookable.observability import health, metrics, tracing
from bookable.observability.requests import RequestRecorder
from bookable.services import housekeeping
from bookable.settings import Settings
from bookable.settings import load as load_settings
from bookable.storage.database import Database, is_overload

log = logging.getLogger("bookable")
HORIZON_INTERVAL_SECONDS = 3600
API_MODULES = (
    "bookable.api.native",
    "bookable.api.dialects.views",
    "bookable.api.dialects.bookingbug",
    "bookable.api.dialects.brp",
    "bookable.api.dialects.ym",
)


NO_FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""bookable traces with its own middleware when asked (observability.tracing) and keeps its own
metrics; FastAPI's would otherwise look for an OpenTelemetry provider at every request."""


def create_app(
    database: Database | None = None, *, roll_horizons: bool = True, settings: Settings | None = None
) -> FastAPI:
    database = database or Database()
    settings = settings or Settings()
    authenticator = Authenticator(database)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _freeze_startup_heap()
        tasks = [asyncio.create_task(watch_credential_changes(database, authenticator)),
                 asyncio.create_task(health.sample_pool_use(database))]
        if roll_horizons:
            tasks.append(asyncio.create_task(_keep_horizons_rolling(database)))
        yield
        for task in tasks:
            task.cancel()
        if app.state.tracer_provider is not None:
            app.state.tracer_provider.shutdown()

    app = FastAPI(
        title="bookable",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        description="Self-hosted booking server: native JSON API.",
        telemetry=NO_FASTAPI_TELEMETRY,
    )
    app.state.database = database
    app.state.settings = settings
    app.state.authenticator = authenticator
    _install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        """First in the route list and async: a liveness probe costs no routing scan or thread hop."""
        return Response(b'{"status":"ok"}', media_type="application/json")

    _add_operations_routes(app, database, settings)
    add_docs_pages(app)
    channels = _include_apis(app)
    add_docs_assets(app)
    web.install(app)
    _document_native_security(app)

    app.add_middleware(RequestGuard, database=database)
    app.add_middleware(BrpCors, database=database)  # outside the guard: its headers go on every answer
    app.add_middleware(RequestRecorder, channels=channels, log_requests=settings.access_log)
    app.state.tracer_provider = tracing.instrument(app) if settings.tracing else None
    return app


def _add_operations_routes(app: FastAPI, database: Database, settings: Settings) -> None:
    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        """Ready when the database answers: a load balancer sends no traffic to a worker that can't."""
        problem = await health.database_problem(database)
        if problem is None:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)

    if settings.metrics:
        @app.get("/metrics", include_in_schema=False)
        async def prometheus_metrics() -> Response:
            try:
                await run_in_threadpool(publish_metrics, database)
            except Exception:  # noqa: BLE001 - the other metrics still answer when the database does not
                log.exception("reading the outbox backlog for the metrics failed")
            body, content_type = metrics.exposition()
            return Response(body, media_type=content_type)


def _include_apis(app: FastAPI) -> dict[int, str]:
    """Each API's routes, and the channel (the API's name) of each entry by its id, for the metrics."""
    channels: dict[int, str] = {}
    for name in API_MODULES:
        module = importlib.import_module(name)
        routes = api_routes(module.router, module.PATHS)
        app.router.routes.append(routes)
        channels.update((id(route), name.rsplit(".", 1)[1]) for route in routes.routes)
    return channels


def _document_native_security(app: FastAPI) -> None:
    """The OpenAPI document of every API's routes (api_routes.documented_routes), with the native
    API's security schemes and problem+json answers written in (native.openapi)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=list(documented_routes(app.routes)))
            document_native_api(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, error: Exception) -> Response:
        if isinstance(error, DomainError):
            metrics.booking_refused(error.code)
        return errors.render(request.url.path, error, request)

    async def request_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if _only_in_path(error):  # an id that cannot exist (native.values.PathId) names nothing
            return errors.render(request.url.path, ApiError(404, "not_found", "No such resource."), request)
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


def _only_in_path(error: RequestValidationError) -> bool:
    found = error.errors()
    return bool(found) and all(tuple(problem.get("loc", ()))[:1] == ("path",) for problem in found)


def _freeze_startup_heap() -> None:
    """Move everything the worker built at start-up (FastAPI, SQLAlchemy, pydantic: ~130,000
    objects) out of the garbage collector's reach. Otherwise every full collection walks them all:
    a 30-100 ms pause of the worker, which is what set the timetable's p99."""
    gc.collect()
    gc.freeze()


async def _keep_horizons_rolling(database: Database) -> None:
    while True:
        try:
            await run_in_threadpool(housekeeping.roll_all_horizons, database)
        except Exception:  # noqa: BLE001 - housekeeping must never take the server down
            log.exception("rolling booking horizons failed")
        await asyncio.sleep(HORIZON_INTERVAL_SECONDS)


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` (what `bookable serve` runs in every worker): the settings
    from the environment and the configuration file (bookable.settings), logging set up by them."""
    from bookable.observability import logs

    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    return create_app(Database(settings.database_url, concurrent_writes=settings.postgres_writers),
                      settings=settings)


__all__ = ["JSONResponse", "app_from_environment", "create_app"]
