"""Demo data that looks real: a Stockholm gym, a London charity and a London course provider.

Built through the engine's services (offerings, bookings, registers, registrations), so every API
shows it exactly as it would show real data. Catalogue rows (business units, resources, product
groups, labels, products) go straight through storage models in the same unit of work.

Each tenant is built in one transaction and marked done by its fixed API key `bk_demo_<slug>`:
loading again skips tenants that are already there. Dates are relative to today, in the tenant's
time zone. On a fresh database the ids are always the same (the README's examples rely on it):
every dated series has a fixed number of slots whatever the weekday, and the one open-ended
series whose count varies is created last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.booking import Booking, BookingStatus
from bookable.domain.money import PaymentType
from bookable.domain.offering import Kind, OfferingSpec
from bookable.domain.recurrence import LocalOccurrence, Repeat
from bookable.services import accounts, register
from bookable.services.bookings import WaitlistPolicy, book, record_payment
from bookable.services.offerings import Placement, change_capacity, create_offering, today_in
from bookable.services.register import RegisterLine
from bookable.services.registrations import assign_sessions, create_registration
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork

STAFF_PASSWORD = "demo-password"
MEMBER_PASSWORD = "member-password"
GYM, CHARITY, COURSES = "gym-demo", "charity-demo", "courses-demo"
SLUGS = (GYM, CHARITY, COURSES)
COURSES_CLIENT_ID = 4242


def demo_api_key(slug: str) -> str:
    return f"{accounts.API_KEY_PREFIX}demo_{slug}"


def admin_username(slug: str) -> str:
    return f"admin@{slug}"


@dataclass
class DemoTenant:
    """What `bookable demo` prints: how to log in, and a few ids worth trying."""

    slug: str
    name: str
    timezone: str
    created: bool
    hints: list[tuple[str, str]] = field(default_factory=list)

    def describe(self, base_url: str) -> str:
        state = "created" if self.created else "already loaded"
        lines = [
            f"{self.name} [{self.slug}] ({self.timezone}, {state})",
            f"  staff login (HTTP Basic): {admin_username(self.slug)} / {STAFF_PASSWORD}",
            f"  API key (Bearer, BRP apikey): {demo_api_key(self.slug)}",
        ]
        lines += [f"  {label}: {base_url + value if value.startswith('/') else value}" for label, value in self.hints]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Recipe:
    slug: str
    name: str
    timezone: str
    currency: str
    client_id: int | None
    build: Callable[[UnitOfWork, Actor, date], None]
    hints: Callable[[UnitOfWork], list[tuple[str, str]]]


def load(database: Database, only: str | None = None) -> list[DemoTenant]:
    """Create the demo tenants that are missing; describe all of them."""
    return [_load(database, recipe) for recipe in RECIPES if only in (None, recipe.slug)]


def _load(database: Database, recipe: Recipe) -> DemoTenant:
    tenant_id, done = _ensure_tenant(database, recipe)
    if not done:
        with UnitOfWork(database, tenant_id) as uow:
            tenant = uow.tenants.get(tenant_id)
            assert tenant is not None
            recipe.build(uow, Actor(tenant_id, "demo", Role.ADMIN, Channel.CLI), today_in(recipe.timezone))
            if uow.tenants.user(admin_username(recipe.slug)) is None:
                accounts.add_user(uow, tenant, admin_username(recipe.slug), STAFF_PASSWORD, Role.ADMIN)
            accounts.add_api_key(uow, tenant, "demo", Role.ADMIN, key=demo_api_key(recipe.slug))
            uow.commit()
    with UnitOfWork(database, tenant_id, write=False) as uow:
        return DemoTenant(recipe.slug, recipe.name, recipe.timezone, not done, recipe.hints(uow))


def _ensure_tenant(database: Database, recipe: Recipe) -> tuple[int, bool]:
    """The tenant's id, and whether its demo data is complete (its demo key exists)."""
    with UnitOfWork(database, 0) as uow:
        tenant = uow.tenants.by_slug(recipe.slug)
        if tenant is None:
            tenant = accounts.add_tenant(uow, recipe.slug, name=recipe.name, timezone=recipe.timezone,
                                         client_id=recipe.client_id, currency=recipe.currency)
            uow.commit()
            return tenant.id, False
        return tenant.id, uow.tenants.api_key(accounts.hash_api_key(demo_api_key(recipe.slug))) is not None


# --- shared helpers -------------------------------------------------------------------------------

def next_weekday(today: date, weekday: int) -> date:
    """The first date strictly after today that falls on `weekday` (0 = Monday)."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def add_people(
    uow: UnitOfWork, actor: Actor, people: list[dict[str, str]], password_hash: str | None = None
) -> list[int]:
    ids = []
    for values in people:
        person = m.Person(tenant_id=actor.tenant_id, password_hash=password_hash, created_at=utc_now(), **values)
        ids.append(uow.people.add(person).id)
    return ids


def book_all(uow: UnitOfWork, actor: Actor, people: list[int], **target: int) -> list[Booking]:
    """Book each person in turn; once the target is full, the rest join its waiting list."""
    return [book(uow, actor, person_id=person_id, waitlist=WaitlistPolicy.IF_FULL, override_window=True,
                 **target).booking for person_id in people]  # type: ignore[arg-type]


def offering_named(uow: UnitOfWork, name: str) -> m.Offering:
    found = uow.offerings.all(m.Offering.name == name, limit=1)
    assert found, f"demo offering {name!r} is missing"
    return found[0]


def slot_ids(uow: UnitOfWork, name: str) -> list[int]:
    return [slot.id for slot in uow.offerings.slots_of(offering_named(uow, name).id)]


def person_id(uow: UnitOfWork, email: str) -> int:
    person = uow.people.by_login(email)
    assert person is not None
    return person.id


# --- Stadsgymmet: the BRP tenant -------------------------------------------------------------------

GYM_MEMBERS = [
    ("Anna", "Lindqvist", "female"), ("Erik", "Johansson", "male"), ("Maria", "Karlsson", "female"),
    ("Johan", "Nilsson", "male"), ("Elin", "Andersson", "female"), ("Oscar", "Persson", "male"),
    ("Sofia", "Eriksson", "female"), ("Lars", "Gustafsson", "male"), ("Emma", "Olsson", "female"),
    ("Karl", "Svensson", "male"), ("Ida", "Larsson", "female"), ("Nils", "Jonsson", "male"),
]
GYM_STREETS = ["Götgatan 12", "Hornsgatan 48", "Fleminggatan 7", "Ringvägen 101", "Sankt Eriksgatan 33",
               "Folkungagatan 60"]
# product name, group, css class, labels, minutes, description
GYM_PRODUCTS = [
    ("Spinning 45", "Kondition", "red", ("Spinning", "Pulshöjande"), 45, "45 minuters intervaller på cykel."),
    ("Yin Yoga", "Kropp & själ", "green", ("Yoga", "Lugnt"), 60, "Långsam yoga med långa, passiva positioner."),
    ("Core 30", "Styrka", "blue", ("Styrka",), 30, "30 minuter mage, rygg och bål."),
    ("Body Pump", "Styrka", "orange", ("Styrka", "Pulshöjande"), 55, "Skivstångsträning till musik."),
    ("HIIT", "Kondition", "purple", ("Pulshöjande",), 45, "Högintensiva intervaller med egen kroppsvikt."),
]
# product, weekday, time, unit, room, instructor, spaces, online spaces
GYM_TIMETABLE = [
    ("Spinning 45", 0, time(6, 30), "Södermalm", "Cykelsalen", "Johan Berg", 20, 18),
    ("Core 30", 0, time(12, 0), "Södermalm", "Sal 1", "Karin Ek", 15, None),
    ("Yin Yoga", 1, time(19, 0), "Kungsholmen", "Yogastudion", "Sara Holm", 8, None),
    ("Spinning 45", 2, time(17, 30), "Södermalm", "Cykelsalen", "Johan Berg", 20, 18),
    ("Body Pump", 3, time(18, 0), "Kungsholmen", "Stora salen", "Ali Haddad", 25, None),
    ("HIIT", 4, time(7, 0), "Södermalm", "Sal 1", "Karin Ek", 6, None),
    ("Spinning 45", 5, time(10, 0), "Södermalm", "Cykelsalen", "Johan Berg", 20, 18),
    ("Yin Yoga", 6, time(9, 0), "Kungsholmen", "Yogastudion", "Sara Holm", 8, None),
]
GYM_COURSE = "Löparskola för nybörjare"


@dataclass
class Catalogue:
    units: dict[str, int] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)


def build_gym(uow: UnitOfWork, actor: Actor, today: date) -> None:
    catalogue = _gym_catalogue(uow, actor)
    members = add_people(uow, actor, _gym_people(), accounts.hash_password(MEMBER_PASSWORD))
    for index, entry in enumerate(GYM_TIMETABLE):
        offering = _gym_class(uow, actor, catalogue, today, *entry)
        _fill_class(uow, actor, offering, index, members)
    course = create_offering(uow, actor, OfferingSpec(
        kind=Kind.COURSE, name=GYM_COURSE, group="Kurser", start_date=next_weekday(today, 1) + timedelta(days=7),
        end_date=next_weekday(today, 1) + timedelta(days=28),
        start_time=time(18, 0), duration=75, spaces=15, price=Decimal("1200.00"), min_cancel=7,
        description="Fyra tillfällen: teknik, intervaller och ett första 5 km-lopp tillsammans.",
        custom_slots=tuple(LocalOccurrence(next_weekday(today, 1) + timedelta(days=7 * week), time(18, 0), 75)
                           for week in range(1, 5)),
    ), Placement(product_id=catalogue.products["Löparskola"], business_unit_id=catalogue.units["Södermalm"],
                 resource_ids=(catalogue.resources["Karin Ek"],)))
    book_all(uow, actor, members[3:7], offering_id=course.id)


def _gym_people() -> list[dict[str, str]]:
    return [
        dict(first_name=first, last_name=last, gender=gender, email=f"{first}.{last}@example.se".lower(),
             card_number=str(100001 + i), customer_number=str(5001 + i), mobile_phone=f"070-555 {10 + i:02d} {40 + i}",
             street_address=GYM_STREETS[i % len(GYM_STREETS)], postcode=f"11{i % 9}{i % 7} {20 + i}",
             town="Stockholm")
        for i, (first, last, gender) in enumerate(GYM_MEMBERS)
    ]


def _gym_catalogue(uow: UnitOfWork, actor: Actor) -> Catalogue:
    tenant_id = actor.tenant_id
    catalogue = Catalogue()
    top = uow.catalog.add(m.ProductGroup(tenant_id=tenant_id, name="Gruppträning"))
    tenant = uow.tenants.get(tenant_id)
    assert tenant is not None
    tenant.grouping_product_group_id = top.id
    tenant.language = "sv"
    for unit in ("Södermalm", "Kungsholmen"):
        catalogue.units[unit] = uow.catalog.add(m.BusinessUnit(
            tenant_id=tenant_id, name=f"Stadsgymmet {unit}", grouping_product_group_id=top.id)).id
    rooms = [("Sal 1", "Södermalm"), ("Cykelsalen", "Södermalm"), ("Stora salen", "Kungsholmen"),
             ("Yogastudion", "Kungsholmen")]
    for name, unit in rooms:
        catalogue.resources[name] = uow.catalog.add(m.Resource(
            tenant_id=tenant_id, name=name, kind="room", business_unit_id=catalogue.units[unit])).id
    for name in ("Karin Ek", "Johan Berg", "Sara Holm", "Ali Haddad"):
        catalogue.resources[name] = uow.catalog.add(m.Resource(tenant_id=tenant_id, name=name, kind="instructor")).id
    groups = {name: uow.catalog.add(m.ProductGroup(tenant_id=tenant_id, name=name, parent_id=top.id))
              for name in ("Kondition", "Styrka", "Kropp & själ")}
    groups["Kurser"] = uow.catalog.add(m.ProductGroup(tenant_id=tenant_id, name="Kurser"))
    labels = {name: uow.catalog.add(m.ProductLabel(tenant_id=tenant_id, name=name))
              for name in ("Spinning", "Yoga", "Styrka", "Pulshöjande", "Lugnt", "Nybörjarvänlig")}
    for name, group, css, label_names, _, description in GYM_PRODUCTS:
        product = m.Product(tenant_id=tenant_id, name=name, description=description, product_type="groupActivity",
                            css_class=css, group_id=groups[group].id, labels=[labels[n] for n in label_names])
        catalogue.products[name] = uow.catalog.add(product).id
    course = m.Product(tenant_id=tenant_id, name="Löparskola", product_type="event", css_class="yellow",
                       description="Kom igång med löpning på fyra veckor.", group_id=groups["Kurser"].id,
                       labels=[labels["Nybörjarvänlig"]])
    catalogue.products["Löparskola"] = uow.catalog.add(course).id
    return catalogue


def _gym_class(
    uow: UnitOfWork, actor: Actor, catalogue: Catalogue, today: date, product: str, weekday: int, at: time,
    unit: str, room: str, instructor: str, spaces: int, online_spaces: int | None,
) -> m.Offering:
    """An open-ended weekly class, bookable 14 days ahead: exactly two slots today (this week's and next)."""
    group, minutes = next((entry[1], entry[4]) for entry in GYM_PRODUCTS if entry[0] == product)
    spec = OfferingSpec(
        kind=Kind.RECURRING, name=product, group=group, start_date=next_weekday(today, weekday), start_time=at,
        duration=minutes, spaces=spaces,
        online_spaces=online_spaces, repeat=Repeat.WEEKLY, min_cancel=0, max_advance=14,
        booking_cutoff_minutes=0,
    )
    placement = Placement(product_id=catalogue.products[product], business_unit_id=catalogue.units[unit],
                          resource_ids=(catalogue.resources[room], catalogue.resources[instructor]))
    return create_offering(uow, actor, spec, placement)


# How many members each class's first slot gets (index in GYM_TIMETABLE). Yin Yoga on Tuesday is
# full with two on its waiting list, HIIT is exactly full, Core 30 stays open for the README example.
GYM_FIRST_SLOT_BOOKINGS = {0: 11, 1: 0, 2: 10, 3: 7, 4: 5, 5: 6, 6: 3, 7: 4}


def _fill_class(uow: UnitOfWork, actor: Actor, offering: m.Offering, index: int, members: list[int]) -> None:
    first, second = uow.offerings.slots_of(offering.id)[:2]
    count = GYM_FIRST_SLOT_BOOKINGS[index]
    book_all(uow, actor, members[:count], slot_id=first.id)
    book_all(uow, actor, members[-(count // 3):] if count >= 3 else [], slot_id=second.id)


def gym_hints(uow: UnitOfWork) -> list[tuple[str, str]]:
    anna = uow.people.by_login("anna.lindqvist@example.se")
    assert anna is not None
    return [
        ("web pages (log in as a member)", f"/{GYM}/"),
        ("BRP API", f"/{GYM}/api/ver2/activities.xml?apikey={demo_api_key(GYM)}"),
        ("member login (email, card or customer number)",
         f"{anna.email} or {anna.card_number} or {anna.customer_number} / {MEMBER_PASSWORD}"),
        ("open class for a member booking (activityid)", str(slot_ids(uow, "Core 30")[0])),
        ("full class with a waiting list (activityid)", str(slot_ids(uow, "Yin Yoga")[0])),
        ("event course (eventid)", str(offering_named(uow, GYM_COURSE).id)),
    ]


# --- Riverside Community Trust: the Views tenant ----------------------------------------------------

CHARITY_CONTACTS = [
    ("Margaret", "Thompson"), ("David", "Evans"), ("Priya", "Shah"), ("Samuel", "Okafor"), ("Helen", "Clarke"),
    ("George", "Wright"), ("Fatima", "Begum"), ("Thomas", "Hughes"), ("Olivia", "Bennett"), ("Patrick", "Doyle"),
]
LUNCH_CLUB = "Lunch Club"
COOKERY = "Cook & Eat Workshop"
ROLES_BY_CONTACT = {1: ("Made Coffee",), 3: ("Volunteered", "Made Coffee"), 6: ("Cleaned Up",), 9: ("Driver",)}
PAYMENTS = [(PaymentType.DEBIT_CARD, Decimal("0.50")), (PaymentType.CASH, Decimal("0.00")),
            (PaymentType.CREDIT_CARD, Decimal("0.60")), (PaymentType.CHEQUE, Decimal("0.00"))]


COORDINATOR = "coordinator@charity-demo"
"""The charity's volunteer coordinator: a staff user (not admin) who takes the registers."""


def build_charity(uow: UnitOfWork, actor: Actor, today: date) -> None:
    tenant = uow.tenants.get(actor.tenant_id)
    assert tenant is not None
    accounts.add_user(uow, tenant, COORDINATOR, STAFF_PASSWORD, Role.STAFF)
    contacts = add_people(uow, actor, [
        dict(first_name=first, last_name=last, email=f"{first}.{last}@example.org.uk".lower(),
             street_address=f"{12 + 7 * i} Riverside Walk", town="London", postcode=f"SE1 {i + 1}RT",
             home_phone=f"020 7946 0{100 + i}")
        for i, (first, last) in enumerate(CHARITY_CONTACTS)
    ])
    lunch = create_offering(uow, actor, OfferingSpec(
        kind=Kind.RECURRING, name=LUNCH_CLUB, group="Older People's Services", repeat=Repeat.WEEKLY,
        start_date=today - timedelta(days=20), end_date=today + timedelta(days=15), start_time=time(12, 0),
        duration=90, spaces=30, min_cancel=0, description="A hot two-course lunch and good company, every week.",
    ))
    _lunch_registers(uow, actor, lunch, contacts, today)
    cookery = create_offering(uow, actor, OfferingSpec(
        kind=Kind.RECURRING, name=COOKERY, group="Healthy Living", repeat=Repeat.WEEKLY,
        start_date=today + timedelta(days=2), end_date=today + timedelta(days=23), start_time=time(18, 30),
        duration=120, spaces=12, price=Decimal("20.00"), min_cancel=2,
        description="Cook a healthy meal on a budget with our chef, then sit down and eat it together.",
    ))
    _cookery_bookings(uow, actor, cookery, contacts)


def _lunch_registers(uow: UnitOfWork, actor: Actor, lunch: m.Offering, contacts: list[int], today: date) -> None:
    """Past sessions have a full register (attendance, volunteering); the next one has bookings."""
    for week, slot in enumerate(uow.offerings.slots_of(lunch.id)):
        if slot.local_date < today:
            lines = [RegisterLine(contacts[i], attended=(i + week) % 4 != 0, volunteering=ROLES_BY_CONTACT.get(i, ()))
                     for i in range(len(contacts) - 2 + week % 2)]
            register.replace(uow, actor, register.session_of(uow, slot.id), lines)
        elif slot.local_date < today + timedelta(days=7):
            for contact in contacts[:5]:
                register.mark(uow, actor, register.session_of(uow, slot.id), RegisterLine(contact))


def _cookery_bookings(uow: UnitOfWork, actor: Actor, cookery: m.Offering, contacts: list[int]) -> None:
    first = uow.offerings.slots_of(cookery.id)[0]
    bookings = book_all(uow, actor, contacts[2:7], slot_id=first.id)
    for booking, (payment, fee) in zip(bookings, PAYMENTS, strict=False):
        record_payment(uow, actor, booking.id, payment_type=payment, amount=Decimal("20.00"), fee=fee,
                       reference=f"RCT-{7000 + booking.id}")
    unpaid = book(uow, actor, person_id=contacts[7], slot_id=first.id, confirmed=False, override_window=True)
    assert unpaid.booking.status == BookingStatus.RESERVED


def charity_hints(uow: UnitOfWork) -> list[tuple[str, str]]:
    lunch = slot_ids(uow, LUNCH_CLUB)
    return [
        ("volunteer coordinator (staff pages)", f"{COORDINATOR} / {STAFF_PASSWORD} at /{CHARITY}/staff/"),
        ("Views participants of a past Lunch Club session (register, attendance)",
         f"/api/restful/work/sessiongroups/sessions/{lunch[0]}/participants"),
        ("Lunch Club sessions", ", ".join(map(str, lunch))),
        (f"{COOKERY} sessions (bookable, GBP 20.00)", ", ".join(map(str, slot_ids(uow, COOKERY)))),
        ("contacts (ContactID / PersonID)", f"{person_id(uow, 'margaret.thompson@example.org.uk')}"
                                            f"-{person_id(uow, 'patrick.doyle@example.org.uk')}"),
    ]


# --- Thameside Training: the BookingBug and YourMembership tenant ------------------------------------

LEARNERS = [
    ("Rachel", "Adams"), ("James", "Patel"), ("Chloe", "Morgan"), ("Daniel", "Walsh"), ("Aisha", "Khan"),
    ("Michael", "Turner"), ("Hannah", "Price"), ("Ben", "Foster"), ("Grace", "Edwards"), ("Ryan", "Murphy"),
    ("Laura", "Collins"), ("Adam", "Reid"),
]
FIRST_AID = "First Aid at Work Refresher"
FIRE_MARSHAL = "Fire Marshal Training"
BOOKKEEPING = "Introduction to Bookkeeping"
CONFERENCE = "Practitioners' Conference"
EXCEL = "Excel Drop-in Clinic"
# title (for the reader: a slot has no title of its own), day (0 = first day), time, minutes, spaces
CONFERENCE_SESSIONS = [
    ("Keynote: the year ahead", 0, time(9, 30), 60, 120),
    ("Workshop: VAT in practice", 0, time(11, 0), 90, 30),
    ("Masterclass: payroll", 0, time(14, 0), 90, 2),
    ("Panel: small charities", 0, time(16, 0), 60, 80),
    ("Workshop: cloud accounting", 1, time(9, 30), 120, 30),
    ("Closing plenary", 1, time(13, 0), 60, 120),
]


def build_courses(uow: UnitOfWork, actor: Actor, today: date) -> None:
    learners = add_people(uow, actor, [
        dict(first_name=first, last_name=last, email=f"{first}.{last}@example.co.uk".lower(),
             mobile_phone=f"07700 900{100 + i}", town="London")
        for i, (first, last) in enumerate(LEARNERS)
    ])
    first_aid = create_offering(uow, actor, OfferingSpec(
        kind=Kind.EVENT, name=FIRST_AID, group="First Aid", start_date=today + timedelta(days=10),
        start_time=time(9, 30), duration=420, spaces=12, price=Decimal("95.00"), max_num_bookings=4, min_cancel=5,
        description="One-day HSE-style refresher: CPR, AED, bleeding, burns and the recovery position.",
    ))
    book_all(uow, actor, learners[:5], offering_id=first_aid.id)
    fire = create_offering(uow, actor, OfferingSpec(
        kind=Kind.EVENT, name=FIRE_MARSHAL, group="Health & Safety", start_date=today + timedelta(days=17),
        start_time=time(13, 0), duration=180, spaces=3, price=Decimal("65.00"), min_cancel=5,
        description="Half-day course for nominated fire marshals and wardens.",
    ))
    book_all(uow, actor, learners[5:9], offering_id=fire.id)
    bookkeeping = create_offering(uow, actor, OfferingSpec(
        kind=Kind.COURSE, name=BOOKKEEPING, group="Finance", start_date=next_weekday(today, 3),
        end_date=next_weekday(today, 3) + timedelta(days=21),
        start_time=time(18, 30), duration=120, spaces=14, price=Decimal("240.00"), min_cancel=5,
        description="Four evening sessions: double entry, VAT, bank reconciliation and year end.",
        custom_slots=tuple(LocalOccurrence(next_weekday(today, 3) + timedelta(days=7 * week), time(18, 30), 120)
                           for week in range(4)),
    ))
    book_all(uow, actor, learners[2:8], offering_id=bookkeeping.id)
    _conference(uow, actor, today, learners)
    excel = create_offering(uow, actor, OfferingSpec(
        kind=Kind.RECURRING, name=EXCEL, group="IT Skills", repeat=Repeat.WEEKLY,
        start_date=next_weekday(today, 2), start_time=time(12, 30), duration=60, spaces=8, price=Decimal("15.00"),
        max_advance=60, min_cancel=1, description="Bring your spreadsheet questions; a tutor helps one to one.",
    ))
    book_all(uow, actor, learners[::3], slot_id=uow.offerings.slots_of(excel.id)[0].id)


def _conference(uow: UnitOfWork, actor: Actor, today: date, learners: list[int]) -> None:
    """A YourMembership event: six sessions over two days, registrants with badges choosing sessions."""
    first_day = today + timedelta(days=21)
    conference = create_offering(uow, actor, OfferingSpec(
        kind=Kind.RECURRING, name=CONFERENCE, group="Conferences", repeat=Repeat.CUSTOM, start_date=first_day,
        end_date=first_day + timedelta(days=1),
        start_time=time(9, 30), duration=60, spaces=120, price=Decimal("149.00"), min_cancel=7,
        description="Two days of talks and workshops for finance practitioners.",
        custom_slots=tuple(LocalOccurrence(first_day + timedelta(days=day), at, minutes)
                           for _, day, at, minutes, _ in CONFERENCE_SESSIONS),
    ))
    slots = uow.offerings.slots_of(conference.id)
    for slot, (_, _, _, _, spaces) in zip(slots, CONFERENCE_SESSIONS, strict=True):
        change_capacity(uow, actor, slot.id, spaces)
    for number, person in enumerate(learners[:8]):
        registration = create_registration(uow, actor, conference.id, person, f"REG-{1001 + number}",
                                           badge_number=501 + number)
        chosen = [slots[0].id, slots[1 + number % 3].id, slots[4].id if number % 2 else slots[5].id]
        assign_sessions(uow, actor, registration, chosen)


def courses_hints(uow: UnitOfWork) -> list[tuple[str, str]]:
    conference = offering_named(uow, CONFERENCE)
    return [
        ("BookingBug sessions", "/api/sessions.xml"),
        ("one-off event / course / recurring (session ids)",
         f"{offering_named(uow, FIRST_AID).id} / {offering_named(uow, BOOKKEEPING).id} / "
         f"{offering_named(uow, EXCEL).id}"),
        ("YourMembership ClientID / EventID", f"{COURSES_CLIENT_ID} / {conference.id}"),
        ("YM sessions (SessionIds)", ", ".join(map(str, slot_ids(uow, CONFERENCE)))),
        ("YM registrations", "REG-1001 (badge 501) to REG-1008 (badge 508)"),
    ]


RECIPES = (
    Recipe(GYM, "Stadsgymmet", "Europe/Stockholm", "SEK", None, build_gym, gym_hints),
    Recipe(CHARITY, "Riverside Community Trust", "Europe/London", "GBP", None, build_charity, charity_hints),
    Recipe(COURSES, "Thameside Training", "Europe/London", "GBP", COURSES_CLIENT_ID, build_courses, courses_hints),
)
