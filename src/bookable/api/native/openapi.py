"""What the OpenAPI document says of the native API besides its routes: how a caller authenticates,
and the problem+json answers every operation may give (FastAPI writes only its own 422 shape).

Authentication is one of: HTTP Basic (staff), a bearer API key, or HTTP Basic *and* the
X-Bookable-Tenant header together (a member's login). The header is part of the member scheme, not
a parameter of its own: sent with staff credentials it makes the call a member login that fails.
"""

from __future__ import annotations

from typing import Any

from bookable.api.native.context import PREFIX, member_tenant_scheme, security_schemes

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details, with the engine's stable `code` (docs/errors.md).",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "invalid_parameter, not_found, full, ..."},
        "field": {"type": "string", "description": "The parameter or field at fault, when one is."},
    },
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}}
ANSWERS = {
    "400": ("A malformed body or header (Content-Length, Idempotency-Key).", {}),
    "401": ("No credentials, or wrong ones.", {}),
    "403": ("Known caller, not allowed (a member on a staff call, a non-admin on an admin call).", {}),
    "404": ("No such resource, or another tenant's.", {}),
    "409": ("Refused by a booking rule (full, already booked, ...), or the same Idempotency-Key still "
            "running.", {}),
    "413": ("The body is larger than 1 MB.", {}),
    "422": ("A value is missing, malformed or out of range (`field` names it), or an Idempotency-Key reused "
            "for another request.", {}),
    "429": ("Too many failed logins from this account or address.", RETRY_AFTER),
    "503": ("The server is busy; nothing was changed.", RETRY_AFTER),
}
READ_ONLY = {"get", "head", "options"}


def document_native_api(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components["securitySchemes"] = security_schemes()
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    member: dict[str, list[str]] = {"HTTPBasic": [], member_tenant_scheme(): []}
    requirement = [{"HTTPBasic": []}, {"HTTPBearer": []}, member]
    for path, operations in schema["paths"].items():
        if path.startswith(PREFIX):
            for method, operation in operations.items():
                operation["security"] = requirement
                operation["responses"].update(_problems(method))


def _problems(method: str) -> dict[str, Any]:
    return {
        status: {"description": description, "headers": headers,
                 "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for status, (description, headers) in ANSWERS.items()
        if not (method in READ_ONLY and status in ("409", "413"))
    }
