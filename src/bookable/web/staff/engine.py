"""Every call the staff pages make to the engine, each run as every API runs its use cases
(api.context: read_in, write_in), over the same services. A form's one-time token is claimed in
the transaction of what the form does: a double tap does it once, and the second is answered as a
replay (`Replayed`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bookable.api.context import read_in, write_in
from bookable.domain.actors import utc_now
from bookable.domain.errors import DomainError
from bookable.storage.database import Database
from bookable.storage.queries import staff as reads
from bookable.storage.unit_of_work import UnitOfWork
from bookable.storage.web_forms import claim_staff_form_token, staff_form_token_claimed

T = TypeVar("T")


class Replayed(Exception):
    """The form had been sent already: what it asked was done once, by its first post."""


async def staff_user(database: Database, tenant_id: int, username: str) -> reads.StaffUser | None:
    return await read_in(database, tenant_id, lambda uow: reads.staff_user(uow.session, tenant_id, username))


async def read(database: Database, tenant_id: int, work: Callable[[UnitOfWork], T]) -> T:
    return await read_in(database, tenant_id, work)


async def act(database: Database, tenant_id: int, user_id: int, token: str, work: Callable[[UnitOfWork], T]) -> T:
    """Run `work` once for this form token (Replayed when it has run), committed with the claim."""

    def once(uow: UnitOfWork) -> T:
        if staff_form_token_claimed(uow.connection(), user_id, token):
            raise Replayed()
        try:
            result = work(uow)
        except DomainError:
            if staff_form_token_claimed(uow.connection(), user_id, token):  # the first post committed meanwhile
                raise Replayed() from None
            raise
        if not claim_staff_form_token(uow.connection(), tenant_id, user_id, token, utc_now()):
            raise Replayed()  # claimed by a concurrent post of the same form: this one's work is undone
        return result

    return await write_in(database, tenant_id, once)
