"""Who is calling a BRP path: the integration (apikey, tied to the path's tenant) and, for calls
that need it, the member (HTTP Basic with email, card number or customer number)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from bookable.api.auth import authenticator
from bookable.api.dialects.brp.params import RawParams
from bookable.api.errors import ApiError
from bookable.api.execution import about_to_look_up
from bookable.api.received import header
from bookable.services.accounts import Principal
from bookable.services.actor import Actor, Channel
from bookable.storage.database import Database
from bookable.storage.queries import brp as reads
from bookable.storage.repositories import TENANT_ZONES
from bookable.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Caller:
    tenant_id: int
    zone: str
    database: Database

    def uow(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self.database, self.tenant_id, write=write)


def _zone_of(database: Database, tenant_id: int) -> str:
    """Remembered per database (repositories.TENANT_ZONES), so that a list page costs one query."""

    def read() -> str:
        about_to_look_up()
        with UnitOfWork(database, tenant_id, write=False) as uow:
            return reads.tenant_zone(uow.session, tenant_id) or "UTC"

    return TENANT_ZONES.zone(database, tenant_id, read)


def credential_of(request: Request, raw: RawParams) -> tuple[str | None, ...]:
    """What identifies a BRP caller (api/execution.run_checks): path tenant, apikey, member login."""
    return "brp", request.path_params.get("tenant"), raw.apikey, header(request.scope, b"authorization")


def integration(request: Request, raw: RawParams) -> Caller:
    """The tenant of the path, vouched for by its apikey; another tenant's key is refused."""
    if not raw.apikey:
        raise ApiError(401, "apikey_missing", "The apikey parameter is required.", field="apikey")
    principal = authenticator(request).api_key(raw.apikey)
    if principal is None:
        raise ApiError(401, "apikey_wrong", "Unknown apikey.", field="apikey")
    if principal.tenant_slug != request.path_params.get("tenant"):
        raise ApiError(403, "apikey_other_tenant", "This apikey belongs to another customer.", field="apikey")
    database: Database = request.app.state.database
    return Caller(principal.tenant_id, _zone_of(database, principal.tenant_id), database)


def member(request: Request, caller: Caller) -> Actor:
    principal: Principal = authenticator(request).member_of(request, caller.tenant_id)
    return principal.actor(Channel.BRP)
