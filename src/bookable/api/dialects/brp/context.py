"""Who is calling a BRP path: the integration (apikey, tied to the path's tenant) and, for calls
that need it, the member (HTTP Basic with email, card number or customer number)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from bookable.api.auth import authenticator
from bookable.api.context import RequestContext
from bookable.api.dialects.brp.params import Param, RawParams, read
from bookable.api.errors import ApiError
from bookable.api.received import header
from bookable.domain.actors import Channel
from bookable.storage.database import Database


def credential_of(request: Request, raw: RawParams) -> tuple[str | None, ...]:
    """What identifies a BRP caller (api/execution.run_checks): path tenant, apikey, member login."""
    return "brp", request.path_params.get("tenant"), raw.apikey, header(request.scope, b"authorization")


def integration(request: Request, raw: RawParams) -> RequestContext:
    """The tenant of the path, vouched for by its apikey; another tenant's key is refused."""
    if not raw.apikey:
        raise ApiError(401, "apikey_missing", "The apikey parameter is required.", field="apikey")
    principal = authenticator(request).api_key(raw.apikey)
    if principal is None:
        raise ApiError(401, "apikey_wrong", "Unknown apikey.", field="apikey")
    if principal.tenant_slug != request.path_params.get("tenant"):
        raise ApiError(403, "apikey_other_tenant", "This apikey belongs to another customer.", field="apikey")
    database: Database = request.app.state.database
    context = RequestContext(database, principal.actor(Channel.BRP), request.scope)
    context.zone()  # known from here on, without a look-up, wherever the request renders a time
    return context


def integration_and(request: Request, raw: RawParams,
                    wanted: dict[str, Param]) -> tuple[RequestContext, dict[str, Any]]:
    """The integration, then the parameters: checked in that order."""
    context = integration(request, raw)
    return context, read(raw, wanted)


def member(request: Request, integration: RequestContext) -> RequestContext:
    """The member of the integration's tenant who is logged in, calling through it."""
    principal = authenticator(request).member_of(request, integration.tenant_id)
    return RequestContext(integration.database, principal.actor(Channel.BRP), integration.scope)
