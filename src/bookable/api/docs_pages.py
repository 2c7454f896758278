"""`/docs` (Swagger UI) and `/redoc`, with their scripts and styles served by bookable itself.

FastAPI's own pages load them from a CDN, so they were blank without internet. The files come
from the fastapi-offline package (MIT; Swagger UI and ReDoc bundles), pinned in pyproject.toml."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import PurePath

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

ASSETS_URL = "/docs-assets"
ASSETS = files("fastapi_offline") / "static"


def add_docs_pages(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    oauth2_redirect_url = f"{docs_url}/oauth2-redirect"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{oauth2_redirect_url}",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png", with_google_fonts=False,
        )


def add_docs_assets(app: FastAPI) -> None:
    """After every API's routes, so that this path never shadows a BRP tenant's.

    Answered from memory rather than by StaticFiles: a FileResponse listens for the client's
    disconnect, and api.middleware.RequestGuard's replayed `receive` reports one as soon as the
    body has been read, which cut every file response short."""

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        asset = _asset(name)
        if asset is None:
            raise StarletteHTTPException(404)
        body, media_type = asset
        return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}


@functools.cache
def _asset(name: str) -> tuple[bytes, str] | None:
    shipped = {entry.name: entry for entry in ASSETS.iterdir()}
    entry = shipped.get(name)
    if entry is None:
        return None
    return entry.read_bytes(), MEDIA_TYPES.get(PurePath(name).suffix, "application/octet-stream")
