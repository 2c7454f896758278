"""`python -m bench.inprocess`: one request after another straight into the ASGI app, no network,
no server: the CPU cost of one request, and where it goes (`--profile`).

On a shared two-core host the HTTP benchmark's figures move 2x with the neighbours; a single
thread timing one request at a time moves far less, so compare code changes here first (run the
two versions alternately, a few times each). `--profile` runs endpoints on the event loop thread
instead of FastAPI's thread pool, so that cProfile sees them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import gc
import pstats
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from bench.cache import postgres_run_database, sqlite_run_database
from bench.cpu_use import process_seconds, processes_named
from bench.dataset import MEMBER_PASSWORD
from bench.fixture import RunSlots, prepare_run
from bench.sizes import PRESETS
from bookable.api.app import create_app
from bookable.storage.database import Database
from bookable.storage.write_batch import SqliteWriteBatches

Call = Callable[[int], Awaitable[dict[str, Any]]]
WARMUP = 128  # at least one request per bench member login: none pays argon2 while measured


async def asgi_call(app: Any, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> dict[str, Any]:
    path, _, query = target.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
             + [(b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
    delivered = False
    response: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            await asyncio.Event().wait()  # the client never disconnects
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            response["status"] = message["status"]
        elif message["type"] == "http.response.body":
            response["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return response


def scenario(name: str, app: Any, manifest: dict[str, Any], slots: RunSlots) -> Call:
    key, tenant = manifest["api_key"], manifest["tenant_slug"]
    first_person = manifest["people"]["first_id"]
    logins = manifest["people"]["member_logins"]
    staff = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    async def native(n: int) -> dict[str, Any]:
        slot = slots.native_slots[n % len(slots.native_slots)]
        body = f'{{"slot_id": {slot}, "person_id": {first_person + n // len(slots.native_slots)}}}'.encode()
        return await asgi_call(app, "POST", "/api/v1/bookings", staff, body)

    async def race(n: int) -> dict[str, Any]:
        body = f'{{"slot_id": {slots.contention_slot}, "person_id": {first_person + n}, "waitlist": "if_full"}}'
        return await asgi_call(app, "POST", "/api/v1/bookings", staff, body.encode())

    async def brp(n: int) -> dict[str, Any]:
        login = logins[n % len(logins)]
        slot = slots.brp_slots[(n // len(logins)) % len(slots.brp_slots)]
        basic = base64.b64encode(f"{login}:{MEMBER_PASSWORD}".encode()).decode()
        target = f"/{tenant}/api/ver2/bookings.xml?apikey={key}&type=ordinary&activityid={slot}"
        return await asgi_call(app, "POST", target, {"Authorization": f"Basic {basic}"})

    async def timetable(_: int) -> dict[str, Any]:
        week = manifest["timetable"]
        target = (f"/{tenant}/api/ver2/activities.xml?apikey={key}&businessunit={week['business_unit']}"
                  f"&fromdate={week['fromdate']}&todate={week['todate']}")
        return await asgi_call(app, "GET", target, {})

    async def web_timetable(n: int) -> dict[str, Any]:
        units, week = manifest["business_units"], manifest["timetable"]["fromdate"]
        target = f"/{tenant}/?week={week}&unit={units[n % len(units)]}"
        return await asgi_call(app, "GET", target, {"Accept-Language": "sv-SE,sv;q=0.9"})

    async def slot(n: int) -> dict[str, Any]:
        return await asgi_call(app, "GET", f"/api/v1/slots/{slots.native_slots[n % len(slots.native_slots)]}", staff)

    async def read_and_book(n: int) -> dict[str, Any]:
        """A member's view: the slot read, then booked (reads and writes share the pool's connections)."""
        return await (slot(n // 2) if n % 2 == 0 else native(n // 2))

    async def healthz(_: int) -> dict[str, Any]:
        return await asgi_call(app, "GET", "/healthz", {})

    calls = {"native": native, "race": race, "brp": brp, "timetable": timetable, "web_timetable": web_timetable,
             "slot": slot, "read_and_book": read_and_book, "healthz": healthz}
    return calls[name]


def run_endpoints_inline() -> None:
    """FastAPI runs `def` endpoints in a worker thread, which cProfile does not follow."""
    import fastapi.dependencies.utils
    import fastapi.routing

    async def inline(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    fastapi.routing.run_in_threadpool = inline  # type: ignore[assignment]
    import bookable.api.execution
    import bookable.storage.postgres_batch
    bookable.api.execution.run_in_threadpool = inline  # type: ignore[assignment]
    bookable.storage.postgres_batch.to_thread = SimpleNamespace(run_sync=inline)  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[assignment]


async def send_all(call: Call, requests: int, concurrency: int) -> None:
    """Requests 0..requests-1, `concurrency` of them in flight at a time (one client each)."""
    numbers = iter(range(requests))

    async def client() -> None:
        for n in numbers:
            response = await call(n)
            if response["status"] >= 400:
                raise SystemExit(f"request {n} answered {response['status']}: {response['body'][:300]!r}")

    await asyncio.gather(*(client() for _ in range(concurrency)))


class BatchClock:
    """Time spent running write batches (storage.write_batch): the part of a booking that holds
    SQLite's write lock, which every worker queues for."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.batches = 0
        self._run_batch = SqliteWriteBatches._run_batch

    def __enter__(self) -> BatchClock:
        clock, run_batch = self, self._run_batch

        def timed(batches: SqliteWriteBatches, *args: Any) -> None:
            started = time.perf_counter()
            try:
                run_batch(batches, *args)
            finally:
                clock.seconds += time.perf_counter() - started
                clock.batches += 1

        SqliteWriteBatches._run_batch = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        SqliteWriteBatches._run_batch = self._run_batch  # type: ignore[method-assign]


async def measure(call: Call, requests: int, profile: bool, lines: int, concurrency: int = 1) -> None:
    # distinct from the measured requests (booking scenarios never repeat a pair), and as many at
    # once: PostgreSQL's backends for the pool's connections exist before its CPU is read
    await send_all(lambda n: call(requests + n), WARMUP, concurrency)
    pauses: list[float] = []
    began = [0.0]

    def watch(phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - began[0])

    gc.callbacks.append(watch)
    profiler = cProfile.Profile() if profile else None
    postgres = processes_named("postgres")  # a local server's backends: its CPU per request too
    started, cpu_started, postgres_started = time.perf_counter(), time.process_time(), process_seconds(postgres)
    if profiler:
        profiler.enable()
    with BatchClock() as batches:
        await send_all(call, requests, concurrency)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    postgres_cpu = process_seconds(postgres) - postgres_started
    gc.callbacks.remove(watch)
    print(f"{requests} requests in {elapsed:.2f} s: {elapsed / requests * 1e6:.0f} us each "
          f"({cpu / requests * 1e6:.0f} us of CPU: less moved by a busy host), "
          f"{requests / elapsed:.0f}/s on one thread; full collections: {len(pauses)}, "
          f"longest {max(pauses, default=0) * 1e3:.1f} ms")
    if postgres_cpu:
        print(f"PostgreSQL's processes on this machine: {postgres_cpu / requests * 1e6:.0f} us of CPU per request")
    if batches.batches:
        print(f"under the write lock: {batches.seconds / requests * 1e6:.0f} us per request "
              f"({batches.seconds / elapsed:.0%} of the time), {batches.batches} batches of "
              f"{requests / batches.batches:.1f} on average")
    if profiler:
        pstats.Stats(profiler).sort_stats(__import__("os").environ.get("PSORT", "cumulative")).print_stats(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("scenario", choices=["native", "race", "brp", "timetable", "web_timetable", "slot",
                                             "read_and_book", "healthz"])
    parser.add_argument("--requests", type=int, default=1500,
                        help="at most ~1,500 for brp: each member books each slot once (16 members x 100 slots)")
    parser.add_argument("--profile", action="store_true", help="cProfile, endpoints on the event loop thread")
    parser.add_argument("--size", choices=sorted(PRESETS), default="quick", help="the seeded data set (default quick)")
    parser.add_argument("--lines", type=int, default=40, help="how many lines of the profile to print")
    parser.add_argument("--database", default="sqlite", metavar="sqlite|URL",
                        help="sqlite (default) or a PostgreSQL URL (its writes run in the thread pool, as served)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="requests in flight at once (SQLite writes then share batches: ADR 0010)")
    args = parser.parse_args()
    if args.profile:
        run_endpoints_inline()
    sizes = PRESETS[args.size]
    runs = sqlite_run_database(sizes) if args.database == "sqlite" else postgres_run_database(args.database, sizes)
    with runs as run:
        database = Database(run.url)
        slots = prepare_run(database, run.manifest, sizes)
        app = create_app(database, roll_horizons=False)
        gc.collect()
        gc.freeze()  # as a served worker does at start-up
        asyncio.run(measure(scenario(args.scenario, app, run.manifest, slots), args.requests, args.profile, args.lines,
                            args.concurrency))
        database.dispose()


if __name__ == "__main__":
    main()
