"""`python -m bench`: seed (or reuse) the data, start `bookable serve --workers N`, drive it over HTTP
from a separate load process, print every figure, and write them all to a JSON file."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench import report, scenarios, wrk
from bench.cache import RunDatabase, log, postgres_run_database, sqlite_run_database
from bench.capacity import cpu_capacity
from bench.fixture import prepare_run
from bench.profiling import profiled
from bench.server import running_server
from bench.sizes import PRESETS, Sizes
from bookable.storage.database import Database

SCENARIOS: dict[str, Callable[[scenarios.Context], dict[str, Any]]] = {
    "contention": scenarios.contention,
    "throughput_native": scenarios.throughput_native,
    "throughput_brp": scenarios.throughput_brp,
    "timetable": scenarios.timetable,
    "web_timetable": scenarios.web_timetable,
    "web_booking": scenarios.web_booking,
    "webhooks": scenarios.webhooks,
    "large_event": scenarios.large_event,
}
ALIASES = {"throughput": ["throughput_native", "throughput_brp"], "web": ["web_timetable", "web_booking"],
           "all": [name for name in SCENARIOS if name not in ("webhooks", "large_event")]}
"""`all` leaves out webhooks (it measures throughput twice) and large_event (50,000 bookings at full size):
name them to run them."""
INTERLEAVED = {"throughput_native", "throughput_brp", "web_booking", "webhooks"}
"""Scenarios that measure their own ceiling in slices between theirs (scenarios.interleaved)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scenarios", default="all",
                        help="comma-separated: contention, throughput (= throughput_native,throughput_brp), "
                             "timetable, web (= web_timetable,web_booking), large_event (one event of 100,000 "
                             "places booked by 50,000 people: the first and last 5,000 compared; not in all), "
                             "or all (default). "
                             "The /healthz ceiling is always measured.")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--database", action="append", metavar="sqlite|URL",
                        help="sqlite (default) or a PostgreSQL URL such as postgresql://postgres@127.0.0.1/postgres; "
                             "repeat to run on both")
    parser.add_argument("--quick", action="store_true", help="small data and short runs: a smoke run in ~1 minute")
    parser.add_argument("--size", choices=sorted(PRESETS), help="data and run sizes (default full, or quick)")
    parser.add_argument("--seconds", type=float, help="override the throughput run length")
    parser.add_argument("--large-event", type=int, metavar="BOOKINGS",
                        help="large_event's bookings (full size 50,000), whatever the data set's size; the first "
                             "and last tenth are compared")
    parser.add_argument("--pgbouncer", metavar="HOST:PORT",
                        help="PostgreSQL only: the server (and the scenarios' checks) connect through this PgBouncer "
                             "in transaction pooling mode (?pooler=pgbouncer); seeding goes straight to PostgreSQL")
    parser.add_argument("--rebuild", action="store_true", help="seed the cached data set again")
    parser.add_argument("--no-cache", action="store_true", help="seed a throwaway database, keep nothing")
    parser.add_argument("--output", type=Path, help="JSON file to write (default bench/results/<time>-<db>.json)")
    parser.add_argument("--profile", action="store_true", help="py-spy the workers during each booking scenario")
    parser.add_argument("--server", choices=["bookable", "uvicorn"], default="bookable",
                        help="bookable serve (default), or uvicorn on the same app (patient worker start-up check)")
    parser.add_argument("--webhooks", action="store_true",
                        help="add the webhooks scenario: native booking throughput without and with one webhook "
                             "endpoint (a receiver this process runs), and the outbox lag at its end")
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk cross-check of /healthz")
    return parser.parse_args(argv)


def chosen_scenarios(spec: str) -> list[str]:
    names: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        for name in ALIASES.get(part, [part]):
            if name not in SCENARIOS:
                raise SystemExit(f"unknown scenario {name!r}; choose from {', '.join([*SCENARIOS, *ALIASES])}")
            if name not in names:
                names.append(name)
    return names


def sizes_from(args: argparse.Namespace) -> Sizes:
    sizes = PRESETS[args.size or ("quick" if args.quick else "full")]
    if args.large_event:
        sizes = replace(sizes, large_event_bookings=args.large_event, large_event_window=args.large_event // 10,
                        large_event_places=max(sizes.large_event_places, args.large_event))
    return replace(sizes, throughput_seconds=args.seconds) if args.seconds else sizes


def run_database(target: str, sizes: Sizes, args: argparse.Namespace) -> AbstractContextManager[RunDatabase]:
    if target == "sqlite":
        return sqlite_run_database(sizes, rebuild=args.rebuild, cache=not args.no_cache)
    return postgres_run_database(target, sizes, rebuild=args.rebuild, cache=not args.no_cache)


def concurrencies(sizes: Sizes, names: list[str]) -> list[int]:
    used = {"contention": sizes.contention_clients, "throughput_native": sizes.throughput_concurrency,
            "throughput_brp": sizes.throughput_concurrency, "timetable": sizes.timetable_concurrency,
            "web_timetable": sizes.timetable_concurrency, "web_booking": sizes.throughput_concurrency,
            "webhooks": sizes.throughput_concurrency, "large_event": sizes.large_event_concurrency}
    return sorted({used[name] for name in names} or {sizes.throughput_concurrency})


def run_one(target: str, sizes: Sizes, names: list[str], args: argparse.Namespace) -> dict[str, Any]:
    kind = "sqlite" if target == "sqlite" else "postgresql"
    results: dict[str, Any] = {"database": kind, "workers": args.workers, "machine": report.machine(),
                               "sizes": sizes.as_dict(), "scenarios": {}, "ceilings": {}}
    results["machine"]["cpu_capacity_before"] = cpu_capacity()
    report.show("cpu capacity", results["machine"]["cpu_capacity_before"])
    with run_database(target, sizes, args) as run:
        results["seed_seconds"] = run.manifest.get("seed_seconds")
        url = through_pgbouncer(run.url, args.pgbouncer) if args.pgbouncer and kind == "postgresql" else run.url
        results["through_pgbouncer"] = url != run.url
        database = Database(url, pool_size=2)
        slots = prepare_run(database, run.manifest, sizes, large_event="large_event" in names)
        with running_server(url, args.workers, report.RESULTS, args.server) as server:
            results["server_command"] = " ".join(server.command)
            context = scenarios.Context(server, database, run.manifest, slots, sizes)
            ceilings = {}
            for concurrency in concurrencies(sizes, names):
                ceilings[concurrency] = scenarios.ceiling(context, concurrency)
                report.show(f"ceiling c={concurrency}", ceilings[concurrency])
            results["ceilings"] = {str(c): figures for c, figures in ceilings.items()}
            latest = {concurrency: figures["per_second"] for concurrency, figures in ceilings.items()}
            for name in names:
                figures = results["scenarios"][name] = _run_scenario(context, name, args)
                concurrency = figures.get("concurrency")
                if name in INTERLEAVED:
                    latest[concurrency] = figures["ceiling_after"]  # its last ceiling slice
                elif concurrency in latest:
                    latest[concurrency] = _ratio_to_adjacent_ceilings(context, figures, latest[concurrency])
                report.show(name, figures)
            if wrk.available() and not args.no_wrk:
                results["wrk_check"] = wrk.healthz(server.base_url, sizes.throughput_concurrency,
                                                   sizes.ceiling_seconds)
                report.show("wrk /healthz", results["wrk_check"])
        results["oversold"] = scenarios.oversold_slots(database, run.manifest["tenant_id"], slots.booked_slots())
        results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        results["machine"]["cpu_capacity_after"] = cpu_capacity()
        report.show("cpu capacity", results["machine"]["cpu_capacity_after"])
        database.dispose()
    results["targets"] = report.verdicts(results)
    return results


def through_pgbouncer(url: str, address: str) -> str:
    host, _, port = address.rpartition(":")
    pooled = make_url(url).set(host=host or "127.0.0.1", port=int(port)).update_query_dict({"pooler": "pgbouncer"})
    return pooled.render_as_string(hide_password=False)


def _ratio_to_adjacent_ceilings(context: scenarios.Context, figures: dict[str, Any], before: float) -> float:
    """Measures the ceiling again right after a scenario, and rates the scenario against the ceilings
    (requests/s) on either side of it; returns the new one, the next scenario's ceiling before."""
    after = scenarios.ceiling(context, figures["concurrency"])
    report.show("ceiling after", after)
    report.ratio(figures, before, after["per_second"])
    return float(after["per_second"])


def _profiled_seconds(sizes: Sizes, name: str) -> float:
    """How long --profile samples the workers: the scenario's load, warm-up and ceiling slices included."""
    seconds = sizes.throughput_seconds + sizes.warmup_seconds
    if name in INTERLEAVED:
        seconds += (sizes.throughput_slices + 1) * sizes.ceiling_slice_seconds
    return seconds


def _run_scenario(context: scenarios.Context, name: str, args: argparse.Namespace) -> dict[str, Any]:
    booking = name not in ("timetable", "web_timetable")
    seconds = _profiled_seconds(context.sizes, name) if name != "large_event" else 60.0
    profile = profiled(context.server, name, seconds, report.RESULTS) if args.profile and booking else nullcontext()
    with profile:
        return SCENARIOS[name](context)


def summary_lines(results: dict[str, Any]) -> Iterator[str]:
    for name, verdict in results["targets"].items():
        yield f"  {'met ' if verdict['met'] else 'MISS'} {name}: {verdict['target']}"


def correct(results: dict[str, Any]) -> bool:
    """What must hold in every run, whatever the speed: no oversell, and exact places in the race."""
    exact = all(results["targets"].get(name, {"met": True})["met"]
                for name in ("contention_exact", "large_event_exact"))
    return not results["oversold"] and exact


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop the server, drop the run database
    sizes, names = sizes_from(args), chosen_scenarios(args.scenarios)
    if args.webhooks:
        names = [*[name for name in names if name != "webhooks"], "webhooks"]
        os.environ["BOOKABLE_WEBHOOKS_ALLOWED_NETWORKS"] = "127.0.0.1/32"  # the bench's own receiver
    failed = False
    for target in args.database or ["sqlite"]:
        log(f"database {target.split('@')[-1]}, {args.workers} workers, scenarios {', '.join(names)}")
        results = run_one(target, sizes, names, args)
        path = report.write(results, args.output if len(args.database or []) <= 1 else None)
        print("\n".join(summary_lines(results)), flush=True)
        log(f"wrote {path}")
        failed = failed or not correct(results)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
