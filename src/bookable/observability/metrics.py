"""Prometheus metrics, correct with several workers.

`bookable serve` gives its workers one folder (PROMETHEUS_MULTIPROC_DIR, emptied at every start),
where prometheus-client keeps each process's values in a memory-mapped file; `/metrics`, answered
by whichever worker, adds them up. Without that variable (tests, one process) the values live in
the process. prometheus-client reads that variable when it is first imported: the workers are new processes
that import it afresh; a single worker, served in the command's own process, keeps its values in
memory.

The engine and the front ends call the small functions below (one line at each place); the metric
objects stay here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("bookable_http_requests", "HTTP requests answered, by route template, channel and status.",
                   ["route", "channel", "method", "status"])
LATENCY = Histogram("bookable_http_request_duration_seconds", "Time from request to the last byte of the answer.",
                    ["route", "channel", "method"], buckets=LATENCY_BUCKETS)
BOOKINGS = Counter("bookable_bookings", "Booking decisions by outcome (confirmed, reserved, waitlisted, cancelled, "
                   "or the code of a refusal such as full).", ["outcome"])
PROMOTIONS = Counter("bookable_waiting_list_promotions", "Waiting bookings promoted to a place.")
IDEMPOTENT_REPLAYS = Counter("bookable_idempotent_replays", "Responses replayed for a repeated Idempotency-Key.")
LOGIN_FAILURES = Counter("bookable_login_failures", "Credentials refused, by kind (staff, api_key, member).",
                         ["kind"])
LOGIN_THROTTLES = Counter("bookable_login_throttles", "Logins refused because of too many recent failures.",
                          ["kind"])
OUTBOX_LAG = Gauge("bookable_outbox_lag_seconds", "Age of the oldest undelivered outbox event (read from the "
                   "database at each scrape).", multiprocess_mode="mostrecent")
DELIVERIES = Gauge("bookable_deliveries", "Deliveries (webhooks, emails) by status: pending, failed (to be retried), "
                   "delivered, given_up (read from the database at each scrape).", ["status"],
                   multiprocess_mode="mostrecent")
POOL_CONNECTIONS = Gauge("bookable_db_pool_connections", "Database connections of each worker's pools, by state.",
                         ["engine", "state"], multiprocess_mode="livesum")

_answered: dict[tuple[str, str, str, int], tuple[Counter, Histogram]] = {}


def request_answered(route: str, channel: str, method: str, status: int, seconds: float) -> None:
    """One line per request, so the labelled children are looked up once per label set."""
    key = (route, channel, method, status)
    children = _answered.get(key)
    if children is None:
        children = (REQUESTS.labels(route, channel, method, str(status)), LATENCY.labels(route, channel, method))
        _answered[key] = children
    children[0].inc()
    children[1].observe(seconds)


BOOKING_REFUSALS = frozenset({
    "full", "waiting_list_closed", "already_booked", "already_waitlisted", "outside_booking_window",
    "slot_cancelled", "offering_disabled", "too_many_places",
})
"""Error codes that only a booking's checks raise: counted as that booking's outcome."""


def booking_decided(outcome: str) -> None:
    BOOKINGS.labels(outcome).inc()


def events_committed(events: Iterable[Any]) -> None:
    """From the domain events of a write that committed (api.context): a new booking by its status,
    a promotion, a cancellation."""
    for event in events:
        if event.type == "booking.promoted":
            PROMOTIONS.inc()
        elif event.type in ("booking.created", "booking.waitlisted"):
            BOOKINGS.labels(str((event.after or {}).get("status", event.type.rpartition(".")[2]))).inc()
        elif event.type == "booking.cancelled":
            BOOKINGS.labels("cancelled").inc()


def booking_refused(code: str) -> None:
    """From the API's error handler: a domain error with a booking refusal's code."""
    if code in BOOKING_REFUSALS:
        BOOKINGS.labels(code).inc()


def idempotent_replay() -> None:
    IDEMPOTENT_REPLAYS.inc()


def login_failed(kind: str) -> None:
    LOGIN_FAILURES.labels(kind).inc()


def login_throttled(kind: str) -> None:
    """For the login throttling (api/auth.py) to call when it refuses a login."""
    LOGIN_THROTTLES.labels(kind).inc()


def outbox_backlog(lag_seconds: float, counts: dict[str, int]) -> None:
    """What the delivery worker still has to do, as the database says at a scrape: right whichever
    process or host runs the worker."""
    OUTBOX_LAG.set(lag_seconds)
    for status, count in counts.items():
        DELIVERIES.labels(status).set(count)


def pool_in_use(engine: str, size: int, checked_out: int, overflow: int) -> None:
    POOL_CONNECTIONS.labels(engine, "size").set(size)
    POOL_CONNECTIONS.labels(engine, "checked_out").set(checked_out)
    POOL_CONNECTIONS.labels(engine, "overflow").set(max(overflow, 0))


def exposition() -> tuple[bytes, str]:
    """The text a Prometheus scrape reads, with every worker's values when there are several."""
    if _kept_in_files():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def _kept_in_files() -> bool:
    """Whether this process's values went to the shared folder: decided when prometheus_client was
    first imported (a single worker serving in the `bookable serve` process imported it before the
    folder was chosen, and keeps its values in memory)."""
    return values.ValueClass is not values.MutexValue


def forget_dead_workers(pids: Iterable[int]) -> None:
    """A worker that died leaves its live gauges (pool use) behind unless told (bookable serve)."""
    if os.environ.get(MULTIPROCESS_ENV):
        for pid in pids:
            multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
