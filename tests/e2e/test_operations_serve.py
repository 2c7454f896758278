"""What an operator sees of a real `bookable serve`: logs, metrics, health, revocation, backups."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from e2e_support import cli_environment, run_cli
from test_serve import STAFF, add_to_register, running_server, set_up_club, stored_bookings

from bookable.services import accounts
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork

SQLITE_ONLY = pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)
CHECK_SECONDS = 2.5  # the credential watch reads every second; a margin for a loaded machine


def add_key(database: Database, slug: str = "riverside") -> str:
    with UnitOfWork(database, 0) as uow:
        _, key = accounts.add_api_key(uow, uow.tenants.by_slug(slug), "integration")
        uow.commit()
    return key


def fresh_get(url: str, **options) -> httpx.Response:  # type: ignore[no-untyped-def]
    """A request over a new connection, so that the kernel may hand it to either worker."""
    with httpx.Client(timeout=60) as client:
        return client.get(url, **options)


def json_lines(log: Path) -> list[dict]:
    lines = []
    for text in log.read_text().splitlines():
        if text.startswith("{"):
            lines.append(json.loads(text))
    return lines


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus exposition (0 when it is absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.partition(" ")[0]))
            if all(found.get(key) == value for key, value in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


@SQLITE_ONLY
def test_every_request_is_logged_as_json_with_its_request_id_and_tenant_and_no_secret(fresh_url, open_database,
                                                                                       tmp_path):
    club = set_up_club(open_database, spaces=5, people=1)
    key = add_key(open_database)
    log = tmp_path / "serve.log"
    env = cli_environment(BOOKABLE_LOG_FORMAT="json")

    with running_server(fresh_url, log, env=env) as (base, _):
        traced = httpx.get(f"{base}/api/restful/work/sessiongroups/sessions/{club.slot_id}/participants", auth=STAFF,
                           headers={"X-Request-ID": "trace-4711"}, timeout=60)
        brp = httpx.get(f"{base}/riverside/api/ver2/activities.xml?apikey={key}", timeout=60)
        native = httpx.get(f"{base}/api/v1/slots/{club.slot_id}", headers={"Authorization": f"Bearer {key}"},
                           timeout=60)
        refused = httpx.get(f"{base}/api/v1/slots/{club.slot_id}", auth=("desk@riverside", "wrong-password"),
                            timeout=60)
    requests = {line["request_id"]: line for line in json_lines(log) if line.get("event") == "request"}
    text = log.read_text()

    assert traced.status_code == brp.status_code == native.status_code == 200 and refused.status_code == 401
    assert traced.headers["X-Request-ID"] == "trace-4711"
    line = requests["trace-4711"]
    assert line["level"] == "info" and line["timestamp"].endswith("Z")
    assert (line["tenant"], line["channel"], line["status"], line["method"]) == ("riverside", "views", 200, "GET")
    assert line["route"] == "/api/restful/work/sessiongroups/sessions/{sid}/participants"
    assert isinstance(line["duration_ms"], float)
    assert requests[brp.headers["X-Request-ID"]]["channel"] == "brp"
    assert requests[native.headers["X-Request-ID"]]["tenant"] == "riverside"
    assert len({brp.headers["X-Request-ID"], native.headers["X-Request-ID"], refused.headers["X-Request-ID"]}) == 3
    assert "apikey=[REDACTED]" in requests[brp.headers["X-Request-ID"]]["path"]
    basic = base64.b64encode(b"desk@riverside:desk-password").decode()
    for secret in (key, key[3:], STAFF[1], "wrong-password", basic):
        assert secret not in text


@SQLITE_ONLY
def test_metrics_add_up_the_requests_of_every_worker(fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=1, people=2)
    metrics_dir = tmp_path / "metrics"
    env = cli_environment(BOOKABLE_METRICS_DIR=str(metrics_dir))
    slot = f"/api/v1/slots/{club.slot_id}"

    with running_server(fresh_url, tmp_path / "serve.log", "--workers", "2", env=env) as (base, _):
        answered = [fresh_get(base + slot, auth=STAFF).status_code for _ in range(40)]
        failed = [fresh_get(base + slot, auth=(STAFF[0], "not-the-password")).status_code for _ in range(3)]
        booked = [add_to_register(base, club.slot_id, person).status_code for person in club.people]
        scrapes = [fresh_get(f"{base}/metrics").text for _ in range(4)]
        workers_with_values = {path.name.rsplit("_", 1)[1] for path in metrics_dir.glob("counter_*.db")}

    assert answered == [200] * 40 and failed == [401] * 3 and booked[0] == 200 and booked[1] >= 400
    assert len(workers_with_values) == 2  # both workers answered some, and every scrape adds both up
    for text in scrapes:
        assert metric(text, "bookable_http_requests_total", route="/api/v1/slots/{slot_id}", channel="native",
                      method="GET", status="200") == 40
        assert metric(text, "bookable_login_failures_total", kind="staff") == 3
        assert f'route="{slot}"' not in text
    last = scrapes[-1]
    assert metric(last, "bookable_bookings_total", outcome="confirmed") == 1
    assert metric(last, "bookable_bookings_total", outcome="full") == 1
    assert metric(last, "bookable_http_request_duration_seconds_count", route="/api/v1/slots/{slot_id}") == 43
    assert metric(last, "bookable_db_pool_connections", engine="write", state="size") > 0


@SQLITE_ONLY
def test_readyz_answers_when_the_database_does_and_healthz_needs_nothing(fresh_url, open_database, tmp_path):
    set_up_club(open_database, spaces=1, people=0)

    with running_server(fresh_url, tmp_path / "serve.log") as (base, _):
        ready = httpx.get(f"{base}/readyz", timeout=60)
        alive = httpx.get(f"{base}/healthz", timeout=60)
        scraped = httpx.get(f"{base}/metrics", timeout=60)

    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert metric(scraped.text, "bookable_http_requests_total", route="/readyz", status="200") == 1  # one worker too


def test_a_revoked_key_and_a_disabled_user_are_refused_at_once_by_every_worker(fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=1, people=0)
    created = run_cli("apikey", "add", "--tenant", "riverside", "--name", "leaked", database=fresh_url)
    key = created.stdout.strip()
    slot = f"/api/v1/slots/{club.slot_id}"
    bearer = {"Authorization": f"Bearer {key}"}

    with running_server(fresh_url, tmp_path / "serve.log", "--workers", "2") as (base, _):
        before = {fresh_get(base + slot, headers=bearer).status_code for _ in range(12)}
        staff_before = {fresh_get(base + slot, auth=STAFF).status_code for _ in range(12)}
        key_id = next(line.split()[0] for line in run_cli("apikey", "list", database=fresh_url).stdout.splitlines()
                      if "leaked" in line)
        revoked = run_cli("apikey", "revoke", key_id, database=fresh_url)
        disabled = run_cli("user", "disable", STAFF[0], database=fresh_url)
        time.sleep(CHECK_SECONDS)
        after = {fresh_get(base + slot, headers=bearer).status_code for _ in range(12)}
        # fewer than the account's free failures (domain.throttling): a disabled user's tries count as failures
        staff_after = {fresh_get(base + slot, auth=STAFF).status_code for _ in range(4)}
        enabled = run_cli("user", "enable", STAFF[0], database=fresh_url)
        time.sleep(CHECK_SECONDS)
        staff_again = {fresh_get(base + slot, auth=STAFF).status_code for _ in range(4)}

    assert revoked.returncode == disabled.returncode == enabled.returncode == 0, revoked.stderr + disabled.stderr
    assert before == staff_before == {200}
    assert after == staff_after == {401}
    assert staff_again == {200}


@SQLITE_ONLY
def test_a_backup_taken_while_bookings_are_made_restores_every_acknowledged_booking(fresh_url, open_database,
                                                                                    tmp_path):
    club = set_up_club(open_database, spaces=500, people=80)
    acknowledged: list[int] = []
    copy = tmp_path / "backup.db"

    with running_server(fresh_url, tmp_path / "serve.log", "--workers", "2") as (base, _):
        def book_everyone() -> None:
            for person in club.people:
                if add_to_register(base, club.slot_id, person).status_code == 200:
                    acknowledged.append(person)

        booking = threading.Thread(target=book_everyone)
        booking.start()
        while len(acknowledged) < 20 and booking.is_alive():
            time.sleep(0.05)
        acknowledged_before = set(acknowledged)
        backed_up = run_cli("backup", str(copy), database=fresh_url)
        booking.join()
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    restored = run_cli("restore", str(copy), database=restored_url)

    assert backed_up.returncode == 0, backed_up.stderr
    assert "integrity check ok" in backed_up.stdout
    assert len(acknowledged) == 80 > len(acknowledged_before) >= 20  # bookings went on during the backup
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(tmp_path / "restored.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    database = Database(restored_url)
    try:
        in_backup = {b.person_id for b in stored_bookings(database, club.slot_id) if b.status == "confirmed"}
    finally:
        database.dispose()
    assert acknowledged_before <= in_backup <= set(club.people)


@SQLITE_ONLY
def test_copying_the_database_files_with_a_glob_finishes_while_the_server_runs(fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=5, people=1)
    (tmp_path / "copy").mkdir()

    with running_server(fresh_url, tmp_path / "serve.log", "--workers", "2") as (base, _):
        assert add_to_register(base, club.slot_id, club.people[0]).status_code == 200  # the gate's files exist
        copied = subprocess.run("cp e2e.db* copy/", shell=True, cwd=tmp_path, timeout=60, capture_output=True,
                                check=False)

    assert copied.returncode == 0, copied.stderr
    assert {path.name for path in (tmp_path / "copy").iterdir()} <= {"e2e.db", "e2e.db-wal", "e2e.db-shm"}
    assert (tmp_path / ".e2e.db-writers.wake").is_fifo()


@SQLITE_ONLY
def test_traces_are_exported_when_tracing_is_on_without_the_apikey(fresh_url, open_database, tmp_path):
    set_up_club(open_database, spaces=1, people=0)
    key = add_key(open_database)
    log = tmp_path / "serve.log"
    env = cli_environment(BOOKABLE_TRACING="true", OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="bookable-test")

    with running_server(fresh_url, log, env=env) as (base, _):
        answered = httpx.get(f"{base}/riverside/api/ver2/activities.xml?apikey={key}", timeout=60)
    text = log.read_text()

    assert answered.status_code == 200
    assert '"service.name": "bookable-test"' in text and "/riverside/api/ver2/activities.xml" in text
    assert key not in text
