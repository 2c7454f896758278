"""The one way a request runs a use case, whatever the API: `await context.read(work)` or
`await context.write(work, render)`, where `work` is a function of a unit of work.

Where the work runs is decided here, and only here (api.execution):
- reads: on the event loop with SQLite (short, mostly CPU), in the thread pool with PostgreSQL;
- writes: with SQLite in this worker's next write batch (one transaction and one commit for every
  write waiting, ADR 0010), with PostgreSQL in the thread pool (row locks, side by side).
The unit of work is opened, committed (writes) and closed around `work`; services never commit.

A write's response is rendered by `render` after the transaction, outside the write lock; when
the request carries an Idempotency-Key, it is rendered inside the transaction instead and stored
with the change (storage.idempotency), so the replay exists if and only if the change does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from bookable.api.auth import authenticator
from bookable.api.errors import ApiError
from bookable.api.execution import about_to_look_up, run_checks, run_read, run_write
from bookable.api.received import header
from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.events import DomainEvent
from bookable.observability import metrics
from bookable.storage import idempotency
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork
from bookable.storage.zones import TENANT_ZONES

T = TypeVar("T")
CLAIM_KEY = "bookable.idempotency_claim"
"""Scope key: the Idempotency-Key this request claimed (api.middleware.RequestGuard)."""
STORED_KEY = "bookable.idempotency_stored"
"""Scope key: set once the response was stored with the change (RequestGuard then stores nothing)."""


class RequestContext:
    """Who is calling (tenant, role, channel, person) and where their use cases run."""

    __slots__ = ("actor", "database", "scope")

    def __init__(self, database: Database, actor: Actor, scope: Scope) -> None:
        self.database = database
        self.actor = actor
        self.scope = scope

    @property
    def tenant_id(self) -> int:
        return self.actor.tenant_id

    @property
    def is_member(self) -> bool:
        return self.actor.is_member

    @property
    def person_id(self) -> int | None:
        return self.actor.person_id

    def require_staff(self) -> RequestContext:
        if not self.actor.is_staff:
            raise ApiError(403, "forbidden", "This call is for staff only.")
        return self

    def require_admin(self) -> RequestContext:
        if self.actor.role is not Role.ADMIN:
            raise ApiError(403, "forbidden", "This call needs the admin role.")
        return self

    def zone(self) -> str:
        """The tenant's IANA time zone, remembered per database (storage.zones.TENANT_ZONES)."""
        return TENANT_ZONES.zone(self.database, self.actor.tenant_id, self._read_zone)

    def _read_zone(self) -> str:
        about_to_look_up()
        with self.unit_of_work(write=False) as uow:
            return uow.tenants.zone(self.actor.tenant_id)

    def unit_of_work(self, *, write: bool) -> UnitOfWork:
        return UnitOfWork(self.database, self.actor.tenant_id, write=write)

    async def read(self, work: Callable[[UnitOfWork], T]) -> T:
        return await read_in(self.database, self.actor.tenant_id, work)

    async def write(self, work: Callable[..., T], render: Callable[[T], Response], *args: Any) -> Response:
        """`work(uow, *args)`: on the busiest endpoints module-level functions and their arguments,
        not closures, which the garbage collector would find alive in every booking waiting for
        its write batch."""
        claim: idempotency.Claim | None = self.scope.get(CLAIM_KEY)
        if claim is None:
            return render(await write_in(self.database, self.actor.tenant_id, work, *args))
        response, recorded = await run_write(self.database, self._write_idempotent, work, args, render, claim)
        metrics.events_committed(recorded)
        self.scope[STORED_KEY] = response.status_code < 500  # committed: the replay stands with the change
        return response

    def _write_idempotent(self, work: Callable[..., T], args: tuple[Any, ...], render: Callable[[T], Response],
                          claim: idempotency.Claim) -> tuple[Response, list[DomainEvent]]:
        with self.unit_of_work(write=True) as uow:
            response = render(work(uow, *args))
            if response.status_code < 500:
                idempotency.finish_in(uow.connection(), claim, response.status_code,
                                      response.headers.get("content-type", "application/octet-stream"),
                                      bytes(response.body), replayable_headers(response))
            uow.commit()
        return response, uow.recorded


async def read_in(database: Database, tenant_id: int, work: Callable[[UnitOfWork], T]) -> T:
    """Run `work` in a reading unit of work of the tenant: what RequestContext.read does, for a
    front end with no caller yet (a visitor's page)."""
    return await run_read(database, _read, database, tenant_id, work)


async def write_in(database: Database, tenant_id: int, work: Callable[..., T], *args: Any) -> T:
    """Run `work(uow, *args)` in a writing unit of work of the tenant, committed: what
    RequestContext.write does, without an Idempotency-Key (the web pages' forms carry their own)."""
    result, recorded = await run_write(database, _write, database, tenant_id, work, args)
    metrics.events_committed(recorded)
    return result


def _read(database: Database, tenant_id: int, work: Callable[[UnitOfWork], T]) -> T:
    with UnitOfWork(database, tenant_id, write=False) as uow:
        return work(uow)


def _write(database: Database, tenant_id: int, work: Callable[..., T],
           args: tuple[Any, ...]) -> tuple[T, list[DomainEvent]]:
    """A module function, not a bound method: one object fewer alive while the write waits."""
    with UnitOfWork(database, tenant_id, write=True) as uow:
        result = work(uow, *args)
        uow.commit()
    return result, uow.recorded


async def staff_context(request: Request, channel: Channel) -> RequestContext:
    """The context of a staff call (HTTP Basic staff user or Bearer API key, else 401); the
    credentials are checked on the event loop when remembered, else in a worker thread."""
    credential = (channel.value, header(request.scope, b"authorization"))
    principal = await run_checks(credential, authenticator(request).staff_or_key, request)
    return RequestContext(request.app.state.database, principal.actor(channel), request.scope)


REPLAY_SKIPS = {"content-length", "content-type", "date", "server"}


def replayable_headers(response: Response) -> list[list[str]]:
    """Headers a replay must repeat (Location, ...); not those the server sets anew each time."""
    return [[name, value] for name, value in response.headers.items() if name not in REPLAY_SKIPS]
