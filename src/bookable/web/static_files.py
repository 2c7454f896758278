"""The few files every page needs (static/), served by bookable itself from memory, with an ETag.

Not Starlette's StaticFiles: its file responses stream while listening for the client to go away,
and the app's RequestGuard hands every request a body that is already read, after which it reports
the client gone; the stream would stop at its first chunk. These files are small: read once, kept."""

from __future__ import annotations

import functools
import hashlib
import mimetypes
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from bookable.web.routing import router
from bookable.web.visit import STATIC, PageNotFound

FOLDER = Path(__file__).parent / "static"
SERVED = (".css", ".js", ".txt", ".svg", ".png", ".ico", ".woff2")


@functools.cache
def static_file(name: str) -> tuple[bytes, str, str] | None:
    """(content, media type, ETag) of a file of static/, or None: only its own plain files, by name."""
    path = FOLDER / name
    if "/" in name or name.startswith(".") or path.suffix not in SERVED or not path.is_file():
        return None
    content = path.read_bytes()
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type.endswith("javascript"):
        media_type += "; charset=utf-8"
    return content, media_type, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


@router.get(STATIC + "/{name}")
async def serve_static(request: Request, name: str) -> Response:
    found = static_file(name)
    if found is None:
        raise PageNotFound(name)
    content, media_type, etag = found
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media_type, headers=headers)
