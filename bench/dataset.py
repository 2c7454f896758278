"""The benchmark's data, written through the storage layer: a tenant with its credentials (services),
then the catalogue, people, slots and bookings in bulk (storage tables, BulkWriter).

The seeded part (timetable data: business units x offerings x days of daily slots, a few bookings
each) is cached; each run then adds fresh slots of its own for the booking scenarios.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table

from bench.bulk import BulkWriter
from bench.sizes import Sizes
from bookable.domain.localtime import to_utc
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage import slot_counters
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

TENANT_SLUG = "bench"
TENANT_ZONE = "Europe/Stockholm"
MEMBER_PASSWORD = "bench-member-password"
SLOT_MINUTES = 60
SEED_SPACES = 20
FIRST_CLASS = time(6, 0)


@dataclass
class Shape:
    """A table's full column list, with the columns that vary per row first and constants after."""

    table: Table
    varying: Sequence[str]
    fixed: dict[str, Any]

    @property
    def columns(self) -> list[str]:
        return [*self.varying, *self.fixed]

    def rows(self, values: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        constants = tuple(self.fixed.values())
        for row in values:
            yield row + constants


def shape(model: type[m.Base], varying: Sequence[str], **fixed: Any) -> Shape:
    """Every column not given is filled with its model default (or NULL), so COPY sees full rows."""
    table: Table = model.__table__  # type: ignore[assignment]
    for column in table.columns:
        if column.name in varying or column.name in fixed:
            continue
        default = column.default.arg if column.default is not None and not callable(column.default.arg) else None
        fixed[column.name] = default
    return Shape(table, varying, fixed)


def write(writer: BulkWriter, shaped: Shape, values: Iterable[tuple[Any, ...]]) -> int:
    return writer.write(shaped.table, shaped.columns, shaped.rows(values))


def create_tenant(database: Database) -> dict[str, Any]:
    """The tenant, an admin API key (native Bearer and BRP apikey) through the account services."""
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, TENANT_SLUG, name="Bench Gym", timezone=TENANT_ZONE, client_id=4242)
        _, key = accounts.add_api_key(uow, tenant, "bench")
        uow.commit()
        return {"tenant_id": tenant.id, "tenant_slug": tenant.slug, "api_key": key}


def seed(database: Database, sizes: Sizes, today: date) -> dict[str, Any]:
    """Create the schema and the cached data set; returns the manifest that describes it."""
    upgrade(database)
    manifest = create_tenant(database)
    tenant_id = manifest["tenant_id"]
    now = datetime.now(UTC)
    first_day = today - timedelta(days=sizes.days // 2)
    with database.write_engine.begin() as connection:
        writer = BulkWriter(connection)
        catalogue = _catalogue(writer, sizes, tenant_id)
        people = _people(writer, sizes, tenant_id, now)
        offerings = _seed_offerings(writer, sizes, tenant_id, catalogue, first_day, now)
        slot_count = _seed_slots(writer, sizes, tenant_id, offerings, first_day)
        _seed_bookings(writer, sizes, tenant_id, offerings, people, now)
        writer.reset_sequences(m.Base.metadata.sorted_tables)
    monday = today + timedelta(days=7 - today.weekday())
    manifest.update(
        sizes=sizes.as_dict(), seeded_on=today.isoformat(), seeded_slots=slot_count,
        business_units=catalogue["business_units"], product_id=catalogue["products"][0],
        people=people, member_password=MEMBER_PASSWORD,
        timetable={"business_unit": catalogue["business_units"][0], "fromdate": monday.isoformat(),
                   "todate": (monday + timedelta(days=6)).isoformat()},
    )
    return manifest


def _catalogue(writer: BulkWriter, sizes: Sizes, tenant_id: int) -> dict[str, list[int]]:
    group = writer.next_id(m.ProductGroup.__table__)
    write(writer, shape(m.ProductGroup, ("id", "name"), tenant_id=tenant_id), [(group, "Group training")])
    units = _ids(writer, m.BusinessUnit, sizes.business_units)
    write(writer, shape(m.BusinessUnit, ("id", "name"), tenant_id=tenant_id),
          [(unit, f"Club {n}") for n, unit in enumerate(units, 1)])
    products = _ids(writer, m.Product, sizes.offerings_per_unit)
    write(writer, shape(m.Product, ("id", "name"), tenant_id=tenant_id, group_id=group,
                        description="", product_type="groupActivity", bookable_from_internet=True, css_class=""),
          [(product, f"Class {n}") for n, product in enumerate(products, 1)])
    resources = _ids(writer, m.Resource, sizes.business_units * sizes.offerings_per_unit)
    write(writer, shape(m.Resource, ("id", "name", "business_unit_id"), tenant_id=tenant_id, kind="instructor"),
          [(resource, f"Instructor {n}", units[n % len(units)]) for n, resource in enumerate(resources)])
    return {"business_units": units, "products": products, "resources": resources, "group": [group]}


def _ids(writer: BulkWriter, model: type[m.Base], count: int) -> list[int]:
    first = writer.next_id(model.__table__)  # type: ignore[arg-type]
    return list(range(first, first + count))


def _people(writer: BulkWriter, sizes: Sizes, tenant_id: int, now: datetime) -> dict[str, Any]:
    """Members (who log in to BRP) first, then plain people; returns the id range and member logins."""
    first = writer.next_id(m.Person.__table__)
    password_hash = accounts.hash_password(MEMBER_PASSWORD)
    members = shape(m.Person, ("id", "first_name", "email", "customer_number", "password_hash"),
                    tenant_id=tenant_id, last_name="Member", created_at=now)
    write(writer, members, ((first + n, f"Member {n}", f"member{n}@bench.example", f"C{n:06d}", password_hash)
                            for n in range(sizes.members)))
    plain = shape(m.Person, ("id", "first_name"), tenant_id=tenant_id, last_name="Person", created_at=now)
    write(writer, plain, ((first + n, f"Person {n}") for n in range(sizes.members, sizes.people)))
    return {"first_id": first, "count": sizes.people, "member_ids": list(range(first, first + sizes.members)),
            "member_logins": [f"member{n}@bench.example" for n in range(sizes.members)]}


@dataclass(frozen=True)
class SeededOffering:
    id: int
    business_unit_id: int
    product_id: int
    resource_id: int
    start: time
    first_day: date
    days: int
    spaces: int
    first_slot_id: int = 0


def _seed_offerings(
    writer: BulkWriter, sizes: Sizes, tenant_id: int, catalogue: dict[str, list[int]], first_day: date, now: datetime
) -> list[SeededOffering]:
    ids = iter(_ids(writer, m.Offering, sizes.business_units * sizes.offerings_per_unit))
    offerings = []
    for unit_index, unit in enumerate(catalogue["business_units"]):
        for n, product in enumerate(catalogue["products"]):
            start = (datetime.combine(first_day, FIRST_CLASS) + timedelta(minutes=45 * n)).time()
            resource = catalogue["resources"][unit_index * sizes.offerings_per_unit + n]
            offerings.append(SeededOffering(next(ids), unit, product, resource, start, first_day, sizes.days,
                                            SEED_SPACES))
    insert_offerings(writer, tenant_id, offerings, now, name="Class")
    return offerings


def insert_offerings(
    writer: BulkWriter, tenant_id: int, offerings: Sequence[SeededOffering], now: datetime, *, name: str
) -> None:
    """Daily recurring offerings with a fixed end date, so no horizon roll ever adds slots to them."""
    table = shape(m.Offering, ("id", "name", "business_unit_id", "product_id", "start_time", "start_date",
                               "end_date", "spaces"),
                  tenant_id=tenant_id, kind="recurring", group_name="Group training", repeat=5, duration=SLOT_MINUTES,
                  max_num_bookings=1, min_cancel=0, created_at=now, updated_at=now)
    write(writer, table, ((o.id, f"{name} {o.id}"[:50], o.business_unit_id, o.product_id, o.start, o.first_day,
                           o.first_day + timedelta(days=o.days - 1), o.spaces) for o in offerings))
    links = shape(m.OfferingResource, ("offering_id", "resource_id"))
    write(writer, links, ((o.id, o.resource_id) for o in offerings))


def _seed_slots(
    writer: BulkWriter, sizes: Sizes, tenant_id: int, offerings: list[SeededOffering], first_day: date
) -> int:
    first_slot = writer.next_id(m.Slot.__table__)
    for index, offering in enumerate(offerings):
        offerings[index] = SeededOffering(**{**offering.__dict__, "first_slot_id": first_slot + index * sizes.days})
    return insert_slots(writer, tenant_id, offerings)


def insert_slots(writer: BulkWriter, tenant_id: int, offerings: Sequence[SeededOffering]) -> int:
    """One slot a day per offering, ids first_slot_id.. in day order, each with the offering's instructor."""
    table = shape(m.Slot, ("id", "offering_id", "business_unit_id", "starts_at", "ends_at", "local_date",
                           "local_time", "spaces"),
                  tenant_id=tenant_id, duration=SLOT_MINUTES, online_spaces=None, cancelled=False, deleted=False)

    def rows() -> Iterator[tuple[Any, ...]]:
        for o in offerings:
            for day in range(o.days):
                local_date = o.first_day + timedelta(days=day)
                starts = to_utc(local_date, o.start, TENANT_ZONE)
                yield (o.first_slot_id + day, o.id, o.business_unit_id, starts,
                       starts + timedelta(minutes=SLOT_MINUTES), local_date, o.start, o.spaces)

    count = write(writer, table, rows())
    links = shape(m.SlotResource, ("slot_id", "resource_id"))
    write(writer, links, ((o.first_slot_id + day, o.resource_id) for o in offerings for day in range(o.days)))
    return count


def _seed_bookings(
    writer: BulkWriter, sizes: Sizes, tenant_id: int, offerings: list[SeededOffering], people: dict[str, Any],
    now: datetime,
) -> int:
    first_person, count = people["first_id"], people["count"]
    per_slot = sizes.bookings_per_slot

    def values() -> Iterator[tuple[int, int, int]]:
        n = 0
        for o in offerings:
            for day in range(o.days):
                for _ in range(per_slot):
                    yield first_person + n % count, o.id, o.first_slot_id + day
                    n += 1

    return insert_bookings(writer, tenant_id, values(), now)


def insert_bookings(
    writer: BulkWriter, tenant_id: int, values: Iterable[tuple[int, int, int]], now: datetime
) -> int:
    """Confirmed one-place bookings from (person_id, offering_id, slot_id) triples."""
    first = writer.next_id(m.Booking.__table__)
    table = shape(m.Booking, ("id", "person_id", "offering_id", "slot_id"), tenant_id=tenant_id, places=1,
                  status="confirmed", channel="native", created_at=now, changed_at=now)
    slot_ids: set[int] = set()

    def noting_slots() -> Iterator[tuple[int, int, int, int]]:
        for n, (person_id, offering_id, slot_id) in enumerate(values):
            slot_ids.add(slot_id)
            yield first + n, person_id, offering_id, slot_id

    written = write(writer, table, noting_slots())
    if writer.skips_triggers:  # COPY without triggers: the counters are set from the rows written
        slot_counters.recount(writer.connection, tenant_id, None if len(slot_ids) > 1000 else slot_ids)
    return written
