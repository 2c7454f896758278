"""Optional OpenTelemetry traces: a span per request, exported as the standard OTEL_* variables say.

Needs the `tracing` extra (`pip install 'bookable[tracing]'`); `bookable serve` refuses to start
with `tracing = true` without it. OTEL_TRACES_EXPORTER=console prints spans (for a first look);
anything else exports over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (default localhost:4318).
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from bookable.observability.redaction import redact

REQUIRED = ("opentelemetry.sdk", "opentelemetry.instrumentation.asgi", "opentelemetry.exporter.otlp.proto.http")
INSTALL_HINT = "tracing needs the tracing extra: pip install 'bookable[tracing]'"


def available() -> bool:
    try:
        return all(importlib.util.find_spec(name) is not None for name in REQUIRED)
    except ModuleNotFoundError:
        return False


def instrument(app: Any) -> Any:
    """Wraps the app in a span per request; returns the tracer provider, to shut down (and so flush)
    when the app stops: uvicorn ends a worker by its signal, and exit handlers would never run."""
    from opentelemetry import trace
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    service = os.environ.get("OTEL_SERVICE_NAME", "bookable")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(_exporter()))
    trace.set_tracer_provider(provider)
    app.add_middleware(OpenTelemetryMiddleware, excluded_urls="healthz,readyz,metrics", tracer_provider=provider,
                       server_request_hook=_redact_span_urls, exclude_spans=["receive", "send"])
    return provider


URL_ATTRIBUTES = ("http.url", "url.full", "http.target", "url.query")


def _redact_span_urls(span: Any, _scope: dict[str, Any]) -> None:
    """The instrumentation records the URL with its query, where BRP sends its apikey."""
    attributes = getattr(span, "attributes", None) or {}
    for name in URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str):
            span.set_attribute(name, redact(value))


def _exporter() -> Any:
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp") == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()
