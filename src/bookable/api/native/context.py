"""Who is calling the native API, for which tenant, and what their role lets them do.

Staff: HTTP Basic with a staff user, or `Authorization: Bearer <api key>`. Members: HTTP Basic with
their email, card number or customer number, plus `X-Bookable-Tenant: <tenant slug>` to say whose
member they are (the native API has no tenant in its paths). The header is what makes a call a
member call: with it, only member credentials are tried.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBearer

from bookable.api.auth import authenticator, unauthorized
from bookable.api.context import RequestContext
from bookable.api.errors import ApiError
from bookable.api.execution import run_checks
from bookable.api.received import header
from bookable.domain.actors import Channel
from bookable.services.accounts import Principal
from bookable.storage.database import Database

TENANT_HEADER = "X-Bookable-Tenant"
TENANT_KEY = TENANT_HEADER.lower().encode()
PREFIX = "/api/v1"

# Declared only so that OpenAPI shows how to authenticate; the Authenticator does the work. They
# are not dependencies of `caller`: FastAPI would run all three on every request to no
# purpose. native.openapi puts them in the OpenAPI document instead.
_basic = HTTPBasic(auto_error=False, description="Staff user, or a member's email / card / customer number.")
_bearer = HTTPBearer(auto_error=False, description="API key (staff access with the key's role).")
_tenant = APIKeyHeader(name=TENANT_HEADER, auto_error=False, scheme_name="MemberTenant",
                       description="Members only, always with HTTP Basic (their email, card or customer "
                                   "number): the slug of the tenant they belong to. Never send it with staff "
                                   "credentials or an API key: it makes the call a member login.")


Caller = RequestContext  # what a native endpoint is given: the request's context


def security_schemes() -> dict[str, Any]:
    """The schemes as FastAPI would have written them (native.openapi says how they combine)."""
    return {scheme.scheme_name: scheme.model.model_dump(mode="json", by_alias=True, exclude_none=True)
            for scheme in (_basic, _bearer, _tenant)}


def member_tenant_scheme() -> str:
    return _tenant.scheme_name


async def caller(request: Request) -> Caller:
    """Async: a caller already verified (the credential cache, ADR 0004) is known on the event
    loop; only a first sight of a credential takes a worker thread (api/execution.run_checks)."""
    query: bytes = request.scope.get("query_string", b"")  # not request.url, which is built anew
    if b"\x00" in query or b"%00" in query:
        raise ApiError(422, "invalid_parameter", "Query parameters must not contain NUL characters.")
    database: Database = request.app.state.database
    slug = header(request.scope, TENANT_KEY)
    credential = ("native", header(request.scope, b"authorization"), slug)
    principal = await run_checks(credential, _authenticate, request, slug)
    return RequestContext(database, principal.actor(Channel.NATIVE), request.scope)


def _authenticate(request: Request, slug: str | None) -> Principal:
    auth = authenticator(request)
    if not slug:
        return auth.staff_or_key(request)
    tenant_id = None if "\x00" in slug else auth.tenant_id(slug.strip())
    if tenant_id is None:
        raise unauthorized("Wrong login, password or tenant.")
    return auth.member_of(request, tenant_id)


async def staff(who: Caller = Depends(caller)) -> Caller:
    return who.require_staff()


async def admin(who: Caller = Depends(caller)) -> Caller:
    return who.require_admin()
