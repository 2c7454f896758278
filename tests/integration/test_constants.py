"""A statement's own values are written into its SQL (storage.prepared.constant), so that
PostgreSQL's generic plan of a prepared statement can estimate them; statements that differ only
in such a value stay apart in SQLAlchemy's statement cache and in Prepared."""

from __future__ import annotations

from sqlalchemy import select

from bookable.domain.booking import BookingStatus
from bookable.services.bookings import book, cancel
from bookable.storage import models as m
from bookable.storage.prepared import Prepared, constant, one_of


def _booked_and_cancelled(world):
    slot = world.slots(world.offering(spaces=5).id)[0]
    first, second = world.person(), world.person()
    with world.uow() as uow:
        kept = book(uow, world.admin, person_id=first, slot_id=slot.id).booking.id
        gone = book(uow, world.admin, person_id=second, slot_id=slot.id).booking.id
        uow.commit()
    with world.uow() as uow:
        cancel(uow, world.admin, gone)
        uow.commit()
    return slot.id, kept, gone


def test_statements_that_differ_only_in_a_constant_read_their_own_rows(world):
    slot_id, kept, gone = _booked_and_cancelled(world)

    def with_status(status):
        return select(m.Booking.id).where(m.Booking.slot_id == slot_id, m.Booking.status == constant(status))

    with world.uow(write=False) as uow:
        connection = uow.session.connection()
        assert list(connection.scalars(with_status(BookingStatus.CONFIRMED))) == [kept]
        assert list(connection.scalars(with_status(BookingStatus.CANCELLED))) == [gone]
        prepared = [Prepared(select(m.Booking.id).where(m.Booking.slot_id == slot_id,
                                                        one_of(m.Booking.status, [status])))
                    for status in (BookingStatus.CONFIRMED, BookingStatus.CANCELLED)]
        assert [[row[0] for row in statement.all(connection, {})] for statement in prepared] == [[kept], [gone]]


def test_a_constant_is_written_into_the_sql_not_bound(database):
    statement = Prepared(select(m.Booking.id).where(one_of(m.Booking.status, [BookingStatus.WAITLISTED]),
                                                     m.Booking.channel == constant("it's")))
    with database.read_engine.connect() as connection:
        compiled = statement._for(connection.dialect)
    assert "'waitlisted'" in compiled.sql and "'it''s'" in compiled.sql
    assert compiled.defaults == {}
