"""What a slot holds and what waits on it, kept on the slot's row (ADR 0020).

`slots.held_confirmed`, `held_reserved`, `waiting_places` and `waiting_bookings` are the sums of
the slot's own bookings (slot_id = the slot; a whole-course booking is counted on its offering,
storage.loads), and `last_queue_number` the highest queue number its bookings have taken: a
high-water mark, never lowered, so a queue number is never reused. The database keeps them: a
trigger on `bookings` changes the slot's row in the statement that inserts a booking, changes its
status, places or slot, or deletes it. So every
path that writes a booking (the booking's Core insert, an ORM flush, a bulk load, a restore, a
migration) keeps them, and a booking holds the slot's row lock while they change: on PostgreSQL
its own `FOR UPDATE`, on SQLite the database write lock.

`mismatches()` compares the counters with the bookings and `recount()` sets them from the
bookings: `bookable check-counters` runs both, the migration that adds the counters backfills with
`recount()`, and a bulk load that skips triggers (bench, `session_replication_role = replica`)
recounts afterwards.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, case, func, or_, select, text, update

from bookable.domain.booking import BookingStatus
from bookable.storage import models as m

COUNTERS = ("held_confirmed", "held_reserved", "waiting_places", "waiting_bookings")
"""The sums of the slot's own active bookings."""
LAST_QUEUE_NUMBER = "last_queue_number"
KEPT = (*COUNTERS, LAST_QUEUE_NUMBER)
"""What the triggers keep on a slot's row (since migration 0013; 0009 kept COUNTERS)."""

_slots: Table = m.Slot.__table__  # type: ignore[assignment]
_bookings = m.Booking.__table__


def _sum_of(status: str, *, places: bool = True) -> Any:
    amount = _bookings.c.places if places else 1
    return func.coalesce(func.sum(case((_bookings.c.status == status, amount), else_=0)), 0)


_COUNTED = {
    "held_confirmed": _sum_of(BookingStatus.CONFIRMED),
    "held_reserved": _sum_of(BookingStatus.RESERVED),
    "waiting_places": _sum_of(BookingStatus.WAITLISTED),
    "waiting_bookings": _sum_of(BookingStatus.WAITLISTED, places=False),
    LAST_QUEUE_NUMBER: func.coalesce(func.max(_bookings.c.queue_number), 0),
}
"""Each counter over the slot's bookings (the definition the triggers keep)."""


def _expected(counter: str, counted: Any) -> Any:
    """What the counter should hold, given its bookings' value: a sum equals it; the last queue
    number is at least it (a deleted booking leaves its number taken)."""
    if counter != LAST_QUEUE_NUMBER:
        return counted
    return case((counted > _slots.c[counter], counted), else_=_slots.c[counter])


def _counted(counter: str) -> Any:
    return select(_COUNTED[counter]).where(_bookings.c.slot_id == _slots.c.id).scalar_subquery()


class Mismatch(NamedTuple):
    slot_id: int
    tenant_id: int
    stored: tuple[int, ...]  # in KEPT's order
    counted: tuple[int, ...]


def mismatches(connection: Connection, tenant_id: int | None = None) -> list[Mismatch]:
    """Slots whose counters differ from what their bookings say (none, unless something wrote
    around the triggers)."""
    sums = (select(_bookings.c.slot_id.label("slot_id"), *(_COUNTED[c].label(c) for c in KEPT))
            .where(_bookings.c.slot_id.is_not(None)).group_by(_bookings.c.slot_id).subquery("sums"))
    expected = [_expected(c, func.coalesce(sums.c[c], 0)) for c in KEPT]
    query = (select(_slots.c.id, _slots.c.tenant_id, *(_slots.c[c] for c in KEPT), *expected)
             .select_from(_slots).outerjoin(sums, sums.c.slot_id == _slots.c.id)
             .where(or_(*(_slots.c[c] != value for c, value in zip(KEPT, expected, strict=True))))
             .order_by(_slots.c.id))
    if tenant_id is not None:
        query = query.where(_slots.c.tenant_id == tenant_id)
    width = len(KEPT)
    found = []
    for row in connection.execute(query):
        values = tuple(int(value) for value in row[2:])
        found.append(Mismatch(row[0], row[1], values[:width], values[width:]))
    return found


def repair(connection: Connection, slot_ids: Collection[int]) -> int:
    """Recount these slots under their locks (FOR UPDATE in id order, as a booking takes them), in
    a statement after the lock so its sums see every booking committed before it."""
    if not slot_ids:
        return 0
    connection.execute(select(_slots.c.id).where(_slots.c.id.in_(sorted(slot_ids)))
                       .order_by(_slots.c.id).with_for_update()).all()
    return recount(connection, slot_ids=slot_ids)


def slot_count(connection: Connection, tenant_id: int | None = None) -> int:
    query = select(func.count()).select_from(_slots)
    if tenant_id is not None:
        query = query.where(_slots.c.tenant_id == tenant_id)
    return int(connection.scalar(query) or 0)


def recount(connection: Connection, tenant_id: int | None = None, slot_ids: Collection[int] | None = None, *,
            counters: Collection[str] = KEPT) -> int:
    """Set the counters of every slot (of one tenant, or of the slots given) from its bookings;
    the number of slots."""
    statement = update(_slots).values({c: _expected(c, _counted(c)) for c in counters})
    if tenant_id is not None:
        statement = statement.where(_slots.c.tenant_id == tenant_id)
    if slot_ids is not None:
        statement = statement.where(_slots.c.id.in_(sorted(slot_ids)))
    return int(connection.execute(statement).rowcount or 0)


def _change(sign: str, row: str, condition: str, *, queue: bool) -> str:
    """The UPDATE that adds (sign +) or takes away (sign -) one booking row's (NEW or OLD) share;
    an added row raises the last queue number to its own (`queue`: since migration 0013)."""
    def share(status: str, amount: str) -> str:
        return f"CASE WHEN {row}.status = '{status}' THEN {amount} ELSE 0 END"

    last_queue = (f", last_queue_number = CASE WHEN {row}.queue_number > last_queue_number "
                  f"THEN {row}.queue_number ELSE last_queue_number END" if queue and sign == "+" else "")
    return (f"UPDATE slots SET "
            f"held_confirmed = held_confirmed {sign} {share('confirmed', f'{row}.places')}, "
            f"held_reserved = held_reserved {sign} {share('reserved', f'{row}.places')}, "
            f"waiting_places = waiting_places {sign} {share('waitlisted', f'{row}.places')}, "
            f"waiting_bookings = waiting_bookings {sign} {share('waitlisted', '1')}{last_queue} "
            f"WHERE id = {row}.slot_id{condition}")


_COUNTS = "{row}.slot_id IS NOT NULL AND {row}.status <> 'cancelled'"
_CHANGED = ("OLD.slot_id IS DISTINCT FROM NEW.slot_id OR OLD.status IS DISTINCT FROM NEW.status "
            "OR OLD.places IS DISTINCT FROM NEW.places")


def _sqlite_triggers(*, queue: bool = True) -> tuple[str, ...]:
    active = " AND {row}.status <> 'cancelled'"
    return (
        f"CREATE TRIGGER slot_counters_insert AFTER INSERT ON bookings WHEN {_COUNTS.format(row='NEW')} "
        f"BEGIN {_change('+', 'NEW', '', queue=queue)}; END",
        f"CREATE TRIGGER slot_counters_delete AFTER DELETE ON bookings WHEN {_COUNTS.format(row='OLD')} "
        f"BEGIN {_change('-', 'OLD', '', queue=queue)}; END",
        f"CREATE TRIGGER slot_counters_update AFTER UPDATE OF slot_id, status, places ON bookings "
        f"WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} "
        f"BEGIN {_change('-', 'OLD', active.format(row='OLD'), queue=queue)}; "
        f"{_change('+', 'NEW', active.format(row='NEW'), queue=queue)}; END",
    )


SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS slot_counters_{name}" for name in ("insert", "delete", "update"))


def _postgresql_triggers(*, queue: bool = True) -> tuple[str, ...]:
    return (
        "CREATE FUNCTION bookable_slot_counters() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  IF TG_OP <> 'INSERT' AND {_COUNTS.format(row='OLD')} THEN\n"
        f"    {_change('-', 'OLD', '', queue=queue)};\n  END IF;\n"
        f"  IF TG_OP <> 'DELETE' AND {_COUNTS.format(row='NEW')} THEN\n"
        f"    {_change('+', 'NEW', '', queue=queue)};\n  END IF;\n"
        "  RETURN NULL;\n"
        "END $$",
        "CREATE TRIGGER slot_counters_insert AFTER INSERT ON bookings FOR EACH ROW "
        f"WHEN ({_COUNTS.format(row='NEW')}) EXECUTE FUNCTION bookable_slot_counters()",
        "CREATE TRIGGER slot_counters_delete AFTER DELETE ON bookings FOR EACH ROW "
        f"WHEN ({_COUNTS.format(row='OLD')}) EXECUTE FUNCTION bookable_slot_counters()",
        "CREATE TRIGGER slot_counters_update AFTER UPDATE OF slot_id, status, places ON bookings FOR EACH ROW "
        f"WHEN ({_CHANGED}) EXECUTE FUNCTION bookable_slot_counters()",
    )


POSTGRESQL_DROP = (
    *(f"DROP TRIGGER IF EXISTS slot_counters_{name} ON bookings" for name in ("insert", "delete", "update")),
    "DROP FUNCTION IF EXISTS bookable_slot_counters()",
)


def create_triggers(connection: Connection, *, queue: bool = True) -> None:
    """Install the triggers that keep the counters (a migration that rebuilds `bookings` or
    `slots` on SQLite drops them with the table: it must call this again). `queue=False`: as
    migration 0009 installed them, before the last queue number."""
    postgresql = connection.dialect.name == "postgresql"
    for statement in _postgresql_triggers(queue=queue) if postgresql else _sqlite_triggers(queue=queue):
        connection.execute(text(statement))


def drop_triggers(connection: Connection) -> None:
    for statement in POSTGRESQL_DROP if connection.dialect.name == "postgresql" else SQLITE_DROP:
        connection.execute(text(statement))
