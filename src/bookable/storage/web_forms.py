"""What the web pages write besides bookings: one-time form tokens, calendar feeds, and the
installation's own generated secrets. The one database-portability branch here is "insert unless
the row is there" (ON CONFLICT DO NOTHING, which SQLite and PostgreSQL both spell the same way
through their own SQLAlchemy dialects)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bookable.storage import models as m


def insert_unless_present(connection: Connection, table: Any) -> Insert:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()  # type: ignore[no-any-return]


def claim_form_token(connection: Connection, tenant_id: int, person_id: int, token: str, now: datetime) -> bool:
    """True the first time this person's form token is claimed, in the caller's transaction; False
    once it has been (on PostgreSQL, after waiting for a transaction that claimed it to end)."""
    table: Table = m.WebFormSubmission.__table__  # type: ignore[assignment]
    return _inserted(connection, table, tenant_id=tenant_id, person_id=person_id, token=token, created_at=now)


def form_token_claimed(connection: Connection, person_id: int, token: str) -> bool:
    table: Table = m.WebFormSubmission.__table__  # type: ignore[assignment]
    found = connection.scalar(select(table.c.id).where(table.c.person_id == person_id, table.c.token == token))
    return found is not None


def claim_staff_form_token(connection: Connection, tenant_id: int, user_id: int, token: str, now: datetime) -> bool:
    """claim_form_token for a staff user's form."""
    table: Table = m.StaffFormSubmission.__table__  # type: ignore[assignment]
    return _inserted(connection, table, tenant_id=tenant_id, user_id=user_id, token=token, created_at=now)


def _inserted(connection: Connection, table: Table, **values: object) -> bool:
    """Whether the row was inserted (not there yet), read from RETURNING: psycopg's cursor reports no
    row count (-1) for an INSERT ... ON CONFLICT DO NOTHING."""
    statement = insert_unless_present(connection, table).values(**values).returning(table.c.id)
    return connection.execute(statement).first() is not None


def staff_form_token_claimed(connection: Connection, user_id: int, token: str) -> bool:
    table: Table = m.StaffFormSubmission.__table__  # type: ignore[assignment]
    found = connection.scalar(select(table.c.id).where(table.c.user_id == user_id, table.c.token == token))
    return found is not None


def purge_form_tokens(connection: Connection, before: datetime, limit: int) -> int:
    """Delete up to `limit` members' and up to `limit` staff users' form tokens claimed before
    `before`, oldest first; how many in all."""
    purged = 0
    for model in (m.WebFormSubmission, m.StaffFormSubmission):
        table: Table = model.__table__  # type: ignore[assignment]
        ids = list(connection.scalars(select(table.c.id).where(table.c.created_at < before)
                                      .order_by(table.c.id).limit(limit)))
        if ids:
            connection.execute(delete(table).where(table.c.id.in_(ids)))
            purged += len(ids)
    return purged


def instance_secret(connection: Connection, name: str, generated: str, now: datetime) -> str:
    """The secret stored under `name`; `generated` is stored first if there is none yet. Every
    worker and host of one database agrees on the same value, whoever stored it first."""
    table: Table = m.InstanceSecret.__table__  # type: ignore[assignment]
    connection.execute(insert_unless_present(connection, table).values(name=name, value=generated, created_at=now))
    value = connection.scalar(select(table.c.value).where(table.c.name == name))
    assert value is not None
    return str(value)


class CalendarFeeds:
    """A tenant's calendar feeds; a feed is found by the hash of its token, never by the token."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def add(self, person_id: int, token_hash: str, now: datetime) -> m.CalendarFeed:
        feed = m.CalendarFeed(tenant_id=self.tenant_id, person_id=person_id, token_hash=token_hash, created_at=now)
        self.session.add(feed)
        self.session.flush()
        return feed

    def active_of(self, person_id: int) -> list[m.CalendarFeed]:
        query = select(m.CalendarFeed).where(
            m.CalendarFeed.tenant_id == self.tenant_id, m.CalendarFeed.person_id == person_id,
            m.CalendarFeed.revoked_at.is_(None)).order_by(m.CalendarFeed.id)
        return list(self.session.scalars(query))

    def revoke_all_of(self, person_id: int, now: datetime) -> list[int]:
        """Revokes every active feed of the person; returns their ids."""
        ids = [feed.id for feed in self.active_of(person_id)]
        if ids:
            self.session.execute(update(m.CalendarFeed).where(m.CalendarFeed.id.in_(ids)).values(revoked_at=now))
        return ids

    def owner(self, token_hash: str) -> int | None:
        """The person whose active feed has this token hash, in this tenant."""
        query = select(m.CalendarFeed.person_id).where(
            m.CalendarFeed.tenant_id == self.tenant_id, m.CalendarFeed.token_hash == token_hash,
            m.CalendarFeed.revoked_at.is_(None))
        return self.session.scalar(query)
