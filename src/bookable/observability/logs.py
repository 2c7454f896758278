"""Logging: structlog over the standard library, so uvicorn's lines and bookable's look alike.

Every line carries its timestamp (UTC, ISO 8601) and level, and, within a request, its request id
(bound by observability.requests); the format is `console` (aligned, for people), `keyvalue`
(logfmt) or `json`; `auto` chooses console on a terminal and keyvalue elsewhere. Secrets are
blanked from every line (observability.redaction)."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any, TextIO

import orjson
import structlog

from bookable.observability.redaction import redact_secrets

KEY_ORDER = ["timestamp", "level", "logger", "event", "request_id"]
_request_id: ContextVar[str | None] = ContextVar("bookable_request_id", default=None)


def bind_request_id(request_id: str) -> None:
    """Every line written from here on in this request's context carries its id (one ContextVar
    set: structlog's bind_contextvars costs several times that, on every request)."""
    _request_id.set(request_id)


def _add_request_id(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    request_id = _request_id.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event
OWN_HANDLERS = ("uvicorn", "uvicorn.error", "bookable")


def configure(level: str = "info", log_format: str = "auto", stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    foreign: list[Any] = [structlog.stdlib.ExtraAdder(), _drop_color_message, *shared]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=foreign,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_rendering(log_format, stream)],
    ))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in OWN_HANDLERS:  # uvicorn's own handlers would print its lines a second time
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    _silence_uvicorn_access_log()
    # Alembic narrates every migration step at info; bookable says in one line what it did
    logging.getLogger("alembic").setLevel(logging.DEBUG if level == "debug" else logging.WARNING)


def _silence_uvicorn_access_log() -> None:
    """bookable logs every request itself (observability.requests): with its query string
    redacted, its route, tenant and request id. uvicorn writes its own line only while this
    logger has a handler somewhere up its chain."""
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False


def _drop_color_message(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """uvicorn passes a coloured copy of some messages as an extra; the message itself is enough."""
    event.pop("color_message", None)
    return event


def _rendering(log_format: str, stream: TextIO) -> list[Any]:
    if log_format == "auto":
        log_format = "console" if stream.isatty() else "keyvalue"
    if log_format == "json":
        return [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer(serializer=_json)]
    if log_format == "keyvalue":
        return [structlog.processors.format_exc_info,
                structlog.processors.LogfmtRenderer(key_order=KEY_ORDER, drop_missing=True, bool_as_flag=False)]
    return [structlog.dev.ConsoleRenderer(colors=stream.isatty())]


def _json(event: dict[str, Any], **_options: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def logger(name: str = "bookable") -> Any:
    return structlog.stdlib.get_logger(name)
