"""Read-side SQL of the BookingBug dialect."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookable.storage import models as m


class SessionSummary(NamedTuple):
    id: int
    name: str
    group: str


def session_summaries(session: Session, tenant_id: int) -> list[SessionSummary]:
    """Every live session of one company, oldest first: just what the list shows."""
    query = (
        select(m.Offering.id, m.Offering.name, m.Offering.group_name)
        .where(m.Offering.tenant_id == tenant_id, m.Offering.deleted.is_(False))
        .order_by(m.Offering.id)
    )
    return [SessionSummary(*row) for row in session.execute(query)]
