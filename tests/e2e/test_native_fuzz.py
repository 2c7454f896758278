"""The native API against its own OpenAPI document, over a real `bookable serve`: a bounded
schemathesis run finds no server error and no status code or content type the document does not
declare; and a request the API refuses leaves its keep-alive connection usable."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from test_serve import running_server
from tests.conftest import BACKENDS
from tests.local_dates import local_today

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.offering import Kind, OfferingSpec
from bookable.services import accounts
from bookable.services.offerings import create_offering
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

EXAMPLES_PER_OPERATION = 5
SEED = int(os.environ.get("BOOKABLE_FUZZ_SEED", "20261205"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"


def a_tenant_with_some_data(database: Database) -> str:
    """An admin API key of a tenant holding an offering with slots and a person, so that some of
    the generated ids name something."""
    upgrade(database)
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, "fuzz", timezone="Europe/Stockholm")
        _, key = accounts.add_api_key(uow, tenant, "fuzz", Role.ADMIN)
        uow.commit()
    with UnitOfWork(database, tenant.id) as uow:
        create_offering(uow, Actor(tenant.id, "setup", Role.ADMIN, Channel.CLI), OfferingSpec(
            kind=Kind.EVENT, name="Spinning", group="Classes", start_date=local_today() + timedelta(days=3),
            start_time=time(18, 0), spaces=5, min_cancel=0))
        uow.people.add(m.Person(tenant_id=tenant.id, first_name="Anna", last_name="Larsson", created_at=utc_now()))
        uow.commit()
    return key


@pytest.fixture
def live(fresh_url: str, open_database: Database, tmp_path: Path) -> Iterator[tuple[str, str]]:
    key = a_tenant_with_some_data(open_database)
    with running_server(fresh_url, tmp_path / "serve.log") as (base, _):
        yield base, key


@pytest.mark.parametrize("fresh_url", [BACKENDS[-1]], indirect=True)
def test_a_bounded_schemathesis_run_finds_no_5xx_and_nothing_undeclared(live, tmp_path):
    """On PostgreSQL when the suite has it (its 32-bit ids are the stricter limit), else SQLite: the
    run takes most of a minute, and test_id_ranges holds both databases to the same ranges."""
    base, key = live
    command = [str(Path(sys.executable).parent / "st"), "run", f"{base}/openapi.json",
               "--header", f"Authorization: Bearer {key}", "--checks", CHECKS,
               "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED), "--workers", "2",
               "--phases", "examples,coverage,fuzzing", "--no-shrink", "--request-timeout", "30",
               "--output-sanitize", "true", "--suppress-health-check", "all"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False,
                         stdin=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]


REFUSED = [
    ("GET", f"/api/v1/slots/{2**63}", None),
    ("GET", f"/api/v1/bookings?slot_id={2**63}", None),
    ("GET", f"/api/v1/persons/{2**31}", None),
    ("POST", "/api/v1/bookings", f'{{"slot_id": {2**63}, "person_id": 1}}'),
]


def test_a_refused_out_of_range_id_leaves_the_keep_alive_connection_usable(live):
    base, key = live
    host, port = base.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    statuses = []
    try:
        for method, path, body in REFUSED:
            connection.request(method, path, body=body, headers=headers)
            refused = connection.getresponse()
            refused.read()
            connection.request("GET", "/api/v1/slots", headers=headers)  # on the same connection
            after = connection.getresponse()
            after.read()
            statuses.append((refused.status, after.status))
    finally:
        connection.close()
    assert statuses == [(404, 200), (422, 200), (404, 200), (422, 200)]
