"""`bookable worker` delivers on its own while `bookable serve` runs with its delivery worker off;
the lag shows in the native API and the metrics until it does, and SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
from bench.webhook_receiver import receiving
from e2e_support import bookable_command, cli_environment, running_server
from test_serve import STAFF, set_up_club
from test_webhook_crash import ENVIRONMENT, add_endpoint, all_delivered

from bookable.storage import models as m


def metric(base: str, name: str) -> float | None:
    for line in httpx.get(f"{base}/metrics").text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_serve_without_its_worker_delivers_nothing_until_bookable_worker_runs(fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=10, people=3)
    with open_database.session(write=False) as session:
        tenant_id = session.query(m.Tenant.id).filter_by(slug="riverside").scalar()
    env = cli_environment(**ENVIRONMENT, BOOKABLE_DELIVERY_WORKER="false")
    with receiving() as receiver:
        add_endpoint(open_database, tenant_id, receiver.url)
        with running_server(fresh_url, tmp_path / "serve.log", env=env) as (base, _):
            for person in club.people:
                answer = httpx.post(f"{base}/api/v1/bookings", json={"slot_id": club.slot_id, "person_id": person},
                                    auth=STAFF, timeout=30)
                assert answer.status_code == 201
            time.sleep(1.5)
            assert receiver.requests == []
            waiting = httpx.get(f"{base}/api/v1/outbox/status", auth=STAFF).json()
            assert waiting["oldest_undelivered_age_seconds"] >= 1.0 and waiting["delivered"] == 0
            assert (metric(base, "bookable_outbox_lag_seconds") or 0) >= 1.0

            with (tmp_path / "worker.log").open("wb") as log:
                worker = subprocess.Popen([*bookable_command(), "--database", fresh_url, "worker"], env=env,
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                try:
                    receiver.wait_for(3, timeout=120)
                    deadline = time.monotonic() + 60
                    while not all_delivered(open_database, 3) and time.monotonic() < deadline:
                        time.sleep(0.1)
                finally:
                    worker.send_signal(signal.SIGTERM)
                    code = worker.wait(timeout=60)
            assert code == 0, (tmp_path / "worker.log").read_text()
            done = httpx.get(f"{base}/api/v1/outbox/status", auth=STAFF).json()
            assert (done["delivered"], done["oldest_undelivered_age_seconds"]) == (3, 0)
            assert metric(base, "bookable_outbox_lag_seconds") == 0
            assert metric(base, 'bookable_deliveries{status="delivered"}') == 3
