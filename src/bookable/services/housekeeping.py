"""Work no caller asks for: rolling open-ended recurring offerings forward to their horizon."""

from __future__ import annotations

from bookable.domain.actors import Actor, Channel, Role
from bookable.services.offerings import extend_all_horizons
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork


def roll_all_horizons(database: Database) -> int:
    with UnitOfWork(database, 0, write=False) as uow:
        tenant_ids = uow.tenants.all_ids()
    added = 0
    for tenant_id in tenant_ids:
        with UnitOfWork(database, tenant_id) as uow:
            added += extend_all_horizons(uow, Actor(tenant_id, "system", Role.ADMIN, Channel.CLI))
            uow.commit()
    return added
