"""The scenarios: each drives the server over HTTP from the load process, then checks the database."""

from __future__ import annotations

import base64
import re
import urllib.request
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bench import connections, report
from bench.client import Phase, Template
from bench.fixture import RunSlots
from bench.loadgen import Load, run_load
from bench.server import Server
from bench.sizes import Sizes
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork

WARMUP_PEOPLE = 10
WARMUP_LOGINS = 6
MAX_PAIRS = 200_000
"""(person, slot) pairs prepared for a throughput run: more than 20 s at 5,000 bookings/s."""


@dataclass
class Context:
    server: Server
    database: Database
    manifest: dict[str, Any]
    slots: RunSlots
    sizes: Sizes

    def load(self, *phases: Phase) -> Load:
        """Run the phases; each summary carries how the connections were split between workers."""
        with connections.sampled(self.server.port, self.server.worker_pids()) as samples:
            load = run_load(self.server.host, self.server.port, list(phases), self.server.process_pids())
        for summary in [*load.phases, *load.groups.values()]:
            summary["connections_per_worker"] = connections.summary(samples)
        return load

    def brp_path(self, resource: str) -> str:
        return f"/{self.manifest['tenant_slug']}/api/ver2/{resource}?apikey={self.manifest['api_key']}"


HEALTHZ = Template("GET", "/healthz")


def ceiling(ctx: Context, concurrency: int) -> dict[str, Any]:
    """The same server's cheapest endpoint at the given concurrency: what the stack itself can do."""
    warm = Phase(HEALTHZ, [{}], concurrency, duration=ctx.sizes.warmup_seconds, cycle=True)
    measured = Phase(HEALTHZ, [{}], concurrency, duration=ctx.sizes.ceiling_seconds, cycle=True)
    return {"endpoint": "GET /healthz", "concurrency": concurrency, **ctx.load(warm, measured).phases[1]}


def native_booking(ctx: Context) -> Template:
    return Template(
        "POST", "/api/v1/bookings",
        {"Authorization": f"Bearer {ctx.manifest['api_key']}", "Content-Type": "application/json"},
        '{{"slot_id": {slot}, "person_id": {person}, "waitlist": "if_full"}}',
    )


def contention(ctx: Context) -> dict[str, Any]:
    """Many clients race for the last places of one slot; places held must come out exact."""
    sizes, slot = ctx.sizes, ctx.slots.contention_slot
    first = ctx.manifest["people"]["first_id"]
    variants = [{"slot": slot, "person": first + n} for n in range(sizes.contention_attempts)]
    result = ctx.load(Phase(native_booking(ctx), variants, sizes.contention_clients)).phases[0]
    held, waiting = slot_load(ctx.database, ctx.manifest["tenant_id"], slot)
    won = held - ctx.slots.contention_prefilled
    return {
        "endpoint": "POST /api/v1/bookings", "concurrency": sizes.contention_clients,
        "attempts": sizes.contention_attempts, "last_places": sizes.contention_last_places,
        "places_held": won, "waiting": waiting, "spaces": ctx.slots.contention_spaces,
        "exact": won == sizes.contention_last_places and held == ctx.slots.contention_spaces,
        "bookings_per_second": result["per_second"], **result,
    }


def large_event(ctx: Context) -> dict[str, Any]:
    """One event of `large_event_places` places, booked by `large_event_bookings` people one after
    another at `large_event_concurrency`: the rate of the first `large_event_window` bookings against
    the last's, and a read of the slot (one at a time) before and after. A booking's cost must not
    grow with the bookings already on its slot."""
    sizes, slot, first = ctx.sizes, ctx.slots.large_event_slot, ctx.slots.large_event_first_person
    assert first, "prepare_run(large_event=True) adds the people"
    people = [{"person": first + n} for n in range(sizes.large_event_bookings)]
    window, concurrency, booking = sizes.large_event_window, sizes.large_event_concurrency, native_booking(ctx)
    read = Template("GET", f"/api/v1/slots/{slot}", {"Authorization": f"Bearer {ctx.manifest['api_key']}"})
    reads = [{}] * sizes.large_event_reads
    warm = Phase(booking, [{"slot": ctx.slots.warmup_slot, **person} for person in people[:window]], concurrency)
    phases = ctx.load(
        warm, Phase(read, reads, 1),
        Phase(booking, [{"slot": slot, **person} for person in people[:window]], concurrency),
        Phase(booking, [{"slot": slot, **person} for person in people[window:-window]], concurrency),
        Phase(booking, [{"slot": slot, **person} for person in people[-window:]], concurrency),
        Phase(read, reads, 1)).phases
    read_first, first_window, middle, last_window, read_last = phases[1:]
    held, waiting = slot_load(ctx.database, ctx.manifest["tenant_id"], slot)
    counted = places_in_bookings(ctx.database, slot)
    answered = sum(phase["statuses"].get("201", 0) for phase in (first_window, middle, last_window))
    return {
        "endpoint": "POST /api/v1/bookings on one slot; GET /api/v1/slots/{id}", "concurrency": concurrency,
        "spaces": sizes.large_event_places, "bookings": sizes.large_event_bookings, "window": window,
        "first": first_window, "last": last_window, "middle_per_second": middle["per_second"],
        "read_first": read_first, "read_last": read_last,
        "per_second": last_window["per_second"],
        "last_to_first": round(last_window["per_second"] / first_window["per_second"], 3),
        "read_p50_first_ms": read_first["p50_ms"], "read_p50_last_ms": read_last["p50_ms"],
        "places_held": held, "places_in_bookings": counted, "waiting": waiting,
        "exact": held == counted == answered == sizes.large_event_bookings,
    }


def places_in_bookings(database: Database, slot_id: int) -> int:
    """The places held on a slot summed over its booking rows (not read from its counters)."""
    bookings = m.Booking.__table__
    with database.read_engine.connect() as connection:
        return int(connection.scalar(select(func.coalesce(func.sum(bookings.c.places), 0)).where(
            bookings.c.slot_id == slot_id, bookings.c.status.in_(("confirmed", "reserved")))) or 0)


def grid(slots: list[int], people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each (person, slot) pair once, consecutive requests on different slots."""
    return [{"slot": slot, **person} for person in people for slot in slots]


def throughput_native(ctx: Context) -> dict[str, Any]:
    people = ctx.manifest["people"]
    ids = list(range(people["first_id"], people["first_id"] + people["count"]))
    enough = max(1, MAX_PAIRS // len(ctx.slots.native_slots))
    measured_people, warm_people = ids[:-WARMUP_PEOPLE][:enough], ids[-WARMUP_PEOPLE:]
    slots = ctx.slots.native_slots
    template = native_booking(ctx)
    warm = Phase(template, grid(slots, [{"person": p} for p in warm_people]), ctx.sizes.throughput_concurrency,
                 duration=ctx.sizes.warmup_seconds)
    result = interleaved(ctx, warm, template, grid(slots, [{"person": p} for p in measured_people]))
    return {"endpoint": "POST /api/v1/bookings", "concurrency": ctx.sizes.throughput_concurrency,
            "slots": len(slots), "bookings_per_second": result["per_second"], **result}


BOOKING_SLICES, CEILING_SLICES = "booking", "ceiling"


def interleaved(ctx: Context, warm: Phase, template: Template, variants: list[dict[str, Any]]) -> dict[str, Any]:
    """A throughput scenario: after its warm-up, the measured booking time in `throughput_slices`
    slices, with a /healthz ceiling slice before each and one after the last (C0 B1 C1 ... Bk Ck), all
    in one load process. The host's speed drifts by up to half within a minute, so each booking slice
    is rated against the ceilings seconds away on either side of it (report.sliced_ratio). Returns the
    booking slices merged into one summary, as if they had been one phase, with the ratio figures."""
    sizes = ctx.sizes
    concurrency, slices = sizes.throughput_concurrency, sizes.throughput_slices
    booking = Phase(template, variants, concurrency, duration=sizes.throughput_seconds / slices,
                    group=BOOKING_SLICES)  # each slice goes on through the variants where the last one stopped
    ceiling = Phase(HEALTHZ, [{}], concurrency, duration=sizes.ceiling_slice_seconds, cycle=True,
                    group=CEILING_SLICES)
    load = ctx.load(warm, ceiling, *[booking, ceiling] * slices)
    ceilings, bookings = load.phases[1::2], load.phases[2::2]
    result = {**load.groups[BOOKING_SLICES], "slice_requests": [summary["requests"] for summary in bookings]}
    report.sliced_ratio(result, [summary["per_second"] for summary in bookings],
                        [summary["per_second"] for summary in ceilings])
    checked = load.groups[CEILING_SLICES]
    result["ceiling_statuses"], result["ceiling_transport_errors"] = checked["statuses"], checked["transport_errors"]
    if result["requests"] + result["transport_errors"] >= len(variants):
        result["ran_out_of_pairs"] = True  # the last slices stopped early, or never ran
    return result


def member_auth(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def throughput_brp(ctx: Context) -> dict[str, Any]:
    """Members book themselves through BRP; a warm-up first logs each member in a few times, over
    random connections, so that nearly every (member, worker) pair has paid argon2 before measuring."""
    password = ctx.manifest["member_password"]
    members = [{"auth": member_auth(login, password)} for login in ctx.manifest["people"]["member_logins"]]
    template = Template(
        "POST", ctx.brp_path("bookings.xml"),
        {"Authorization": "{auth}", "Content-Type": "application/x-www-form-urlencoded"},
        "type=ordinary&activityid={slot}",
    )
    concurrency = ctx.sizes.throughput_concurrency
    warm = Phase(template, [{"slot": ctx.slots.warmup_slot, **member} for member in members] * WARMUP_LOGINS,
                 concurrency)
    result = interleaved(ctx, warm, template, grid(ctx.slots.brp_slots, members))
    return {"endpoint": "POST /{tenant}/api/ver2/bookings.xml (member Basic auth)", "concurrency": concurrency,
            "slots": len(ctx.slots.brp_slots), "members": len(members), "bookings_per_second": result["per_second"],
            **result}


def timetable(ctx: Context) -> dict[str, Any]:
    """One business unit, one week of activities, against the whole seeded data set."""
    week = ctx.manifest["timetable"]
    path = ctx.brp_path("activities.xml") + "&businessunit={unit}&fromdate={fromdate}&todate={todate}"
    variants = [{"unit": unit, "fromdate": week["fromdate"], "todate": week["todate"]}
                for unit in ctx.manifest["business_units"]]
    concurrency = ctx.sizes.timetable_concurrency
    template = Template("GET", path)
    warm = Phase(template, variants, concurrency, duration=ctx.sizes.warmup_seconds, cycle=True)
    measured = Phase(template, variants, concurrency, duration=ctx.sizes.timetable_seconds, cycle=True)
    result = ctx.load(warm, measured).phases[1]
    return {"endpoint": "GET /{tenant}/api/ver2/activities.xml (one business unit, one week)",
            "concurrency": concurrency, "activities_per_response": _activities_in(ctx, path, variants[0]),
            "slots_in_database": ctx.manifest["seeded_slots"],
            "bookings_in_database": ctx.manifest["sizes"]["bookings"],
            **result}


def _activities_in(ctx: Context, path: str, variant: dict[str, Any]) -> int:
    with urllib.request.urlopen(ctx.server.base_url + path.format_map(variant), timeout=30) as response:
        return len(re.findall(rb"<activity>", response.read()))


def slot_load(database: Database, tenant_id: int, slot_id: int) -> tuple[int, int]:
    """Places held and places waiting on one slot, counted by the engine's own repository."""
    with UnitOfWork(database, tenant_id, write=False) as uow:
        slot = uow.offerings.slot(slot_id)
        assert slot is not None
        load = uow.loads.for_slots([slot])[slot_id]
        return load.held, load.waiting


def oversold_slots(database: Database, tenant_id: int, slot_ids: list[int]) -> list[dict[str, int]]:
    """Every slot this run booked on whose held places exceed its spaces (must be none)."""
    oversold = []
    with UnitOfWork(database, tenant_id, write=False) as uow:
        for start in range(0, len(slot_ids), 500):
            slots = [uow.offerings.get(m.Slot, i) for i in slot_ids[start:start + 500]]
            present = [slot for slot in slots if slot is not None]
            for slot_id, load in uow.loads.for_slots(present).items():
                if load.held > load.spaces:
                    oversold.append({"slot_id": slot_id, "held": load.held, "spaces": load.spaces})
    return oversold


def booked_through(database: Database, tenant_id: int, slot_ids: list[int]) -> int:
    """Active bookings the run left on these slots (each one answered 2xx to exactly one request)."""
    with UnitOfWork(database, tenant_id, write=False) as uow:
        total = 0
        for start in range(0, len(slot_ids), 500):
            slots = [s for s in (uow.offerings.get(m.Slot, i) for i in slot_ids[start:start + 500]) if s]
            total += sum(load.held + load.waiting for load in uow.loads.for_slots(slots).values())
        return total



def web_timetable(ctx: Context) -> dict[str, Any]:
    """The timetable page of one venue and week (anonymous: each answer signs a new session cookie),
    against the whole seeded data set."""
    week = ctx.manifest["timetable"]
    path = f"/{ctx.manifest['tenant_slug']}/?week={{week}}&unit={{unit}}"
    variants = [{"unit": unit, "week": week["fromdate"]} for unit in ctx.manifest["business_units"]]
    concurrency = ctx.sizes.timetable_concurrency
    template = Template("GET", path, {"Accept-Language": "sv-SE,sv;q=0.9"})
    warm = Phase(template, variants, concurrency, duration=ctx.sizes.warmup_seconds, cycle=True)
    measured = Phase(template, variants, concurrency, duration=ctx.sizes.timetable_seconds, cycle=True)
    result = ctx.load(warm, measured).phases[1]
    return {"endpoint": "GET /{tenant}/?week=...&unit=... (the timetable page, one venue, one week)",
            "concurrency": concurrency, "classes_per_page": _classes_in(ctx, path, variants[0]),
            "slots_in_database": ctx.manifest["seeded_slots"], **result}


def _classes_in(ctx: Context, path: str, variant: dict[str, Any]) -> int:
    with urllib.request.urlopen(ctx.server.base_url + path.format_map(variant), timeout=30) as response:
        return len(re.findall(rb'<li class="class ', response.read()))


def web_booking(ctx: Context) -> dict[str, Any]:
    """Members book through the timetable's form, already logged in: each has a session cookie signed
    with the server's own key (as its login page would have set it), and every post its own one-time
    token. A post is answered 303; the bookings it left are counted in the database."""
    from bookable.web.secret import secret_key
    from bookable.web.session import COOKIE, Session, SessionCookies
    from bookable.web.state import password_proof

    cookies, tenant_id = SessionCookies(secret_key(ctx.database)), ctx.manifest["tenant_id"]
    with UnitOfWork(ctx.database, tenant_id, write=False) as uow:
        proof = password_proof(uow.people.person(ctx.manifest["people"]["member_ids"][0]).password_hash)
    members = [{"cookie": cookies.dumps(Session(tenant_id, f"csrf{n}", person_id=person, name=f"Member {n}",
                                                proof=proof)), "csrf": f"csrf{n}"}
               for n, person in enumerate(ctx.manifest["people"]["member_ids"])]
    template = Template(
        "POST", f"/{ctx.manifest['tenant_slug']}/book",
        {"Cookie": f"{COOKIE}={{cookie}}", "Content-Type": "application/x-www-form-urlencoded"},
        "csrf={csrf}&token={token}&slot={slot}",
    )
    slots = ctx.slots.web_slots
    numbered = lambda pairs: [{**pair, "token": f"bench-form-{n:012d}"} for n, pair in enumerate(pairs)]  # noqa: E731
    warm_pairs = numbered(grid(slots[-1:], members))
    measured = [{**pair, "token": "m" + pair["token"]} for pair in numbered(grid(slots[:-1], members))]
    concurrency = ctx.sizes.throughput_concurrency
    warm = Phase(template, warm_pairs, concurrency)
    result = interleaved(ctx, warm, template, measured)
    booked = booked_through(ctx.database, tenant_id, slots[:-1])
    return {"endpoint": "POST /{tenant}/book (the timetable's form, session cookie)", "concurrency": concurrency,
            "slots": len(slots) - 1, "members": len(members), "bookings_per_second": result["per_second"],
            "bookings_left": booked, "bookings_per_answer": round(booked / max(1, result["requests"]), 3),
            **result}


WEBHOOK_TYPES = ["booking.created", "booking.waitlisted"]
DRAIN_SECONDS = 120.0


def webhooks(ctx: Context) -> dict[str, Any]:
    """The native booking throughput with no webhook endpoint, then with one (pointing at a receiver
    this process runs), each on its own half of the people; the outbox lag right at the end of the
    second, and how long the worker then takes to deliver everything."""
    from bench.webhook_receiver import receiving

    people = ctx.manifest["people"]
    ids = list(range(people["first_id"], people["first_id"] + people["count"]))
    measured, warm_people = ids[:-WARMUP_PEOPLE], ids[-WARMUP_PEOPLE:]
    enough = max(1, MAX_PAIRS // len(ctx.slots.native_slots)) // 2
    unused = measured[len(measured) // 2:]  # throughput_native books from the front of the list
    halves = unused[: len(unused) // 2][:enough], unused[len(unused) // 2:][:enough]
    slots, template = ctx.slots.native_slots, native_booking(ctx)

    def run(half: list[int]) -> dict[str, Any]:
        warm = Phase(template, grid(slots, [{"person": p} for p in warm_people]), ctx.sizes.throughput_concurrency,
                     duration=ctx.sizes.warmup_seconds)
        return interleaved(ctx, warm, template, grid(slots, [{"person": p} for p in half]))

    off = run(halves[0])
    with receiving() as receiver:
        receiver.keep = False
        endpoint_id = _add_endpoint(ctx, receiver.url)
        try:
            on = run(halves[1])
            lag_at_end = _outbox_lag(ctx)
            drained = _drain(ctx)
        finally:
            _remove_endpoint(ctx, endpoint_id)
        delivered = len(receiver.delivered())
    return {"endpoint": "POST /api/v1/bookings", "concurrency": ctx.sizes.throughput_concurrency,
            "bookings_per_second_off": off["per_second"], "bookings_per_second_on": on["per_second"],
            "ratio_on_to_off": round(on["per_second"] / off["per_second"], 3) if off["per_second"] else None,
            "ratio_to_ceiling_off": off.get("ratio_to_ceiling"), "ratio_to_ceiling_on": on.get("ratio_to_ceiling"),
            "p99_ms_off": off["p99_ms"], "p99_ms_on": on["p99_ms"], "outbox_lag_at_end_seconds": lag_at_end,
            "drain_seconds": drained, "webhooks_received": delivered, "bookings_on": on["requests"],
            "per_second": on["per_second"], "ceiling_after": on["ceiling_after"], "off": off, "on": on}


def _add_endpoint(ctx: Context, url: str) -> int:
    from bookable.domain.actors import Actor, Channel, Role
    from bookable.notifications import webhook_endpoints
    from bookable.notifications.addresses import AddressPolicy

    tenant_id = ctx.manifest["tenant_id"]
    with UnitOfWork(ctx.database, tenant_id) as uow:
        endpoint = webhook_endpoints.create(uow, Actor(tenant_id, "bench", Role.ADMIN, Channel.CLI),
                                            AddressPolicy(allow_private=True), url, WEBHOOK_TYPES, True)
        uow.commit()
        return endpoint.id


def _remove_endpoint(ctx: Context, endpoint_id: int) -> None:
    from bookable.domain.actors import Actor, Channel, Role
    from bookable.notifications import webhook_endpoints

    tenant_id = ctx.manifest["tenant_id"]
    with UnitOfWork(ctx.database, tenant_id) as uow:
        webhook_endpoints.delete(uow, Actor(tenant_id, "bench", Role.ADMIN, Channel.CLI), endpoint_id)
        uow.commit()


def _outbox_lag(ctx: Context) -> float:
    from bookable.notifications.status import outbox_status

    with UnitOfWork(ctx.database, ctx.manifest["tenant_id"], write=False) as uow:
        return outbox_status(uow).oldest_undelivered_age_seconds


def _drain(ctx: Context) -> float | None:
    """Seconds until nothing is left to deliver (None: not within DRAIN_SECONDS)."""
    import time

    started = time.monotonic()
    while time.monotonic() - started < DRAIN_SECONDS:
        if _outbox_lag(ctx) == 0:
            return round(time.monotonic() - started, 2)
        time.sleep(0.1)
    return None
