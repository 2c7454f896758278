"""Two application hosts, each `bookable serve --workers 2` in a network namespace of its own
(ip netns, a veth pair each), against one PostgreSQL through PgBouncer, behind HAProxy with health
checks on /readyz: the app tier is stateless and safe across hosts.

The namespaces reach PostgreSQL through a PgBouncer that listens on their veth pairs' host-side
addresses (PostgreSQL itself listens on 127.0.0.1 only). Everything runs on this machine, on
addresses of the namespaces' own (10.229.N.0/30), and the test removes its namespaces and stops
its processes itself. Where network namespaces are not allowed it skips saying so, except under
CI, where it fails."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from e2e_support import cli_environment, run_cli
from sqlalchemy import func, select
from tests.conftest import POSTGRES_URL, World, add_api_key, throwaway_postgres
from tests.live_server import free_port
from tests.pgbouncer import running_pgbouncer

from bookable.domain.actors import Actor, Channel, Role
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs BOOKABLE_TEST_POSTGRES_URL")
HAPROXY = Path("/usr/sbin/haproxy")
APP_PORT = 8000
DEADLINE = 120.0  # for a loaded machine: start-up and health checks, not a timing assertion


def _ip(*args: str, namespace: str | None = None) -> None:
    command = ["ip", *args] if namespace is None else ["ip", "netns", "exec", namespace, "ip", *args]
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def _require(tool: Path, package: str) -> None:
    if tool.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is missing in CI: .ci/run should have installed Debian's {package}")
    pytest.skip(f"{tool} is not installed (apt-get install -y {package})")


@dataclass
class Host:
    """One application host: a namespace, its veth pair, and `bookable serve` inside it."""

    name: str
    subnet: int
    database_url: str = ""
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(default_factory=lambda: Path(tempfile.mkstemp(prefix="bookable-host-", suffix=".log")[1]))

    @property
    def gateway(self) -> str:  # the host-side end of the veth pair
        return f"10.229.{self.subnet}.1"

    @property
    def address(self) -> str:
        return f"10.229.{self.subnet}.2"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{APP_PORT}"

    @property
    def outer(self) -> str:
        return f"bk{self.subnet}o"

    def create(self) -> None:
        _ip("netns", "add", self.name)
        _ip("link", "add", self.outer, "type", "veth", "peer", "name", f"bk{self.subnet}i")
        _ip("link", "set", f"bk{self.subnet}i", "netns", self.name)
        _ip("addr", "add", f"{self.gateway}/30", "dev", self.outer)
        _ip("link", "set", self.outer, "up")
        _ip("addr", "add", f"{self.address}/30", "dev", f"bk{self.subnet}i", namespace=self.name)
        _ip("link", "set", f"bk{self.subnet}i", "up", namespace=self.name)
        _ip("link", "set", "lo", "up", namespace=self.name)

    def start(self) -> None:
        script = Path(sys.executable).parent / "bookable"
        command = ["ip", "netns", "exec", self.name, str(script), "serve", "--host", self.address, "--port",
                   str(APP_PORT), "--workers", "2", "--no-access-log"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True,
                                            env=cli_environment(BOOKABLE_DATABASE_URL=self.database_url))
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name}: bookable serve exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"{self.name}: not ready within {DEADLINE} s: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """kill -9, the whole process group: supervisor and workers at once."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def remove(self) -> None:
        self.kill()
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=30, check=False)
        subprocess.run(["ip", "link", "del", self.outer], capture_output=True, timeout=30, check=False)
        self.log.unlink(missing_ok=True)


HAPROXY_CONFIG = """\
global
    maxconn 4000
    stats socket {folder}/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    retries 3
    option redispatch
    retry-on conn-failure
frontend bookable
    bind 127.0.0.1:{port}
    default_backend apps
backend apps
    balance roundrobin
    option httpchk GET /readyz
    timeout check 10s
    default-server inter 500ms fall 3 rise 2
{servers}
"""


@dataclass
class Balancer:
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's `show stat` for the app servers: status (UP/DOWN) and stot (sessions served)."""
        with socket.socket(socket.AF_UNIX) as stats:
            stats.connect(str(self.folder / "haproxy.sock"))
            stats.sendall(b"show stat\n")
            text = b""
            while chunk := stats.recv(65536):
                text += chunk
        lines = text.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
        return {row["svname"]: row for row in rows if row.get("pxname") == "apps"}

    def wait_until(self, server: str, status: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.stats().get(server, {}).get("status") == status:
                return
            time.sleep(0.1)
        pytest.fail(f"HAProxy never saw {server} {status}: {self.stats().get(server)}")


def _namespaces_allowed() -> None:
    probe = f"bkprobe{os.getpid()}"
    done = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        reason = f"network namespaces are not allowed here: {done.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=30, check=False)


@dataclass
class Cluster:
    hosts: list[Host]
    balancer: Balancer
    database: Database
    direct_url: str


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    _require(HAPROXY, "haproxy")
    _namespaces_allowed()
    urls = throwaway_postgres("bookable_hosts")
    direct_url = next(urls)
    migrating = Database(direct_url, pool_size=1)
    upgrade(migrating)
    migrating.dispose()
    first = random.randrange(1, 120) * 2
    hosts = [Host(f"bookable-a-{os.getpid()}", first), Host(f"bookable-b-{os.getpid()}", first + 1)]
    folder = Path(tempfile.mkdtemp(prefix="bookable-haproxy-"))
    haproxy: subprocess.Popen[bytes] | None = None
    database = Database(direct_url, pool_size=4)
    try:
        for host in hosts:
            host.create()
        name = direct_url.rsplit("/", 1)[1]
        with running_pgbouncer(",".join(host.gateway for host in hosts), server_connections=12) as pooler:
            for host in hosts:
                host.database_url = f"postgresql+psycopg://postgres@{host.gateway}:{pooler}/{name}?pooler=pgbouncer"
                host.start()
            port = free_port()
            servers = "\n".join(f"    server {host.name[9]} {host.address}:{APP_PORT} check" for host in hosts)
            (folder / "haproxy.cfg").write_text(HAPROXY_CONFIG.format(folder=folder, port=port, servers=servers))
            haproxy = subprocess.Popen([str(HAPROXY), "-db", "-f", str(folder / "haproxy.cfg")],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            balancer = Balancer(port, folder)
            _wait_for_socket(folder / "haproxy.sock", haproxy)
            for server in ("a", "b"):
                balancer.wait_until(server, "UP")
            yield Cluster(hosts, balancer, database, direct_url)
    finally:
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(timeout=30)
        for host in hosts:
            host.remove()
        database.dispose()
        subprocess.run(["rm", "-rf", str(folder)], check=False)
        next(urls, None)


def _wait_for_socket(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not path.exists():
        if process.poll() is not None:
            pytest.fail(f"haproxy exited with {process.returncode}")
        time.sleep(0.05)


@pytest.fixture
def world(cluster: Cluster) -> World:
    with UnitOfWork(cluster.database, 0) as uow:
        tenant = accounts.add_tenant(uow, f"h-{uuid.uuid4().hex[:10]}", timezone="Europe/Stockholm")
        uow.commit()
    return World(cluster.database, tenant, Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE))


def people(world: World, count: int) -> list[int]:
    with world.uow() as uow:
        rows = [m.Person(tenant_id=world.tenant.id, first_name=f"P{n}", created_at=accounts.utc_now())
                for n in range(count)]
        uow.session.add_all(rows)
        uow.commit()
        return [row.id for row in rows]


def held_and_waiting(world: World, slot_id: int) -> tuple[int, int]:
    with world.uow(write=False) as uow:
        held = uow.session.scalar(select(func.coalesce(func.sum(m.Booking.places), 0)).where(
            m.Booking.slot_id == slot_id, m.Booking.status.in_(("confirmed", "reserved"))))
        waiting = uow.session.scalar(select(func.count()).select_from(m.Booking).where(
            m.Booking.slot_id == slot_id, m.Booking.status == "waitlisted"))
    return int(held), int(waiting)


refusals: list[str] = []
"""What answered other than 201 (shown when a test fails)."""


def book_all(base: str, key: str, slot_id: int, persons: list[int], clients: int,
             during: threading.Event | None = None) -> list[tuple[int, int, int | None]]:
    """(person, status, booking id) of each attempt, `clients` at a time, each on its own connection."""
    def attempt(person: int) -> tuple[int, int, int | None]:
        if during is not None:
            during.set()
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120) as http:
                answer = http.post("/api/v1/bookings", json={"slot_id": slot_id, "person_id": person,
                                                             "waitlist": "if_full"})
        except httpx.TransportError:
            return person, 0, None
        if answer.status_code != 201:
            refusals.append(f"{answer.status_code} {answer.headers.get('content-type')}: {answer.text[:200]}")
            return person, answer.status_code, None
        return person, answer.status_code, answer.json()["id"]

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(attempt, persons))


def test_a_race_of_a_thousand_bookings_over_both_hosts_holds_exactly_the_hundred_places(cluster, world):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=100).id)[0].id
    before = {name: int(row["stot"]) for name, row in cluster.balancer.stats().items() if name in "ab"}

    answers = book_all(cluster.balancer.url, key, slot_id, people(world, 1000), clients=64)

    after = {name: int(row["stot"]) for name, row in cluster.balancer.stats().items() if name in "ab"}
    assert [status for _, status, _ in answers] == [201] * 1000, refusals[:5]
    assert held_and_waiting(world, slot_id) == (100, 900)
    assert all(after[name] - before[name] >= 300 for name in "ab"), (before, after)  # both hosts booked


def test_an_idempotency_key_used_on_one_host_replays_on_the_other(cluster, world):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=5).id)[0].id
    anna, bo = people(world, 2)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "across-hosts-1"}
    first = httpx.post(f"{cluster.hosts[0].url}/api/v1/bookings", json={"slot_id": slot_id, "person_id": anna},
                       headers=headers, timeout=60)
    replay = httpx.post(f"{cluster.hosts[1].url}/api/v1/bookings", json={"slot_id": slot_id, "person_id": anna},
                        headers=headers, timeout=60)
    other = httpx.post(f"{cluster.hosts[1].url}/api/v1/bookings", json={"slot_id": slot_id, "person_id": bo},
                       headers=headers, timeout=60)

    assert (first.status_code, replay.status_code, other.status_code) == (201, 201, 422)
    assert replay.json() == first.json()
    assert held_and_waiting(world, slot_id) == (1, 0)


def test_an_api_key_revoked_from_the_command_line_is_refused_on_both_hosts(cluster, world):
    key = add_api_key(world)
    with world.uow(write=False) as uow:
        key_id = uow.session.scalars(select(m.ApiKey.id).where(m.ApiKey.tenant_id == world.tenant.id)).one()
    for host in cluster.hosts:  # each host has the key in its credential cache
        assert httpx.get(f"{host.url}/api/v1/offerings", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    revoked = run_cli("apikey", "revoke", str(key_id), database=cluster.direct_url)
    assert revoked.returncode == 0, revoked.stderr

    deadline = time.monotonic() + 10  # "within about a second" (ADR 0004), on a loaded machine
    codes: list[int] = []
    while time.monotonic() < deadline:
        codes = [httpx.get(f"{host.url}/api/v1/offerings", headers={"Authorization": f"Bearer {key}"}).status_code
                 for host in cluster.hosts]
        if codes == [401, 401]:
            break
        time.sleep(0.2)
    assert codes == [401, 401]


def test_a_host_killed_mid_load_loses_no_acknowledged_booking_and_takes_load_again(cluster, world):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=150).id)[0].id
    persons = people(world, 600)
    started = threading.Event()

    def kill_when_busy() -> None:
        started.wait(60)
        time.sleep(1.0)
        cluster.hosts[0].kill()

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    answers = book_all(cluster.balancer.url, key, slot_id, persons, clients=16, during=started)
    killer.join()

    acknowledged = {booking for _, status, booking in answers if status == 201}
    with world.uow(write=False) as uow:
        kept = set(uow.session.scalars(select(m.Booking.id).where(m.Booking.id.in_(acknowledged),
                                                                  m.Booking.status != "cancelled")))
    held, waiting = held_and_waiting(world, slot_id)
    assert kept == acknowledged  # every booking answered 201 is there
    assert held <= 150  # never oversold
    assert held + waiting >= len(acknowledged)
    assert len(acknowledged) >= 500  # HAProxy routed around the dead host: most attempts went through

    cluster.balancer.wait_until("a", "DOWN")
    cluster.hosts[0].start()
    cluster.balancer.wait_until("a", "UP")
    served = int(cluster.balancer.stats()["a"]["stot"])
    later = book_all(cluster.balancer.url, key, slot_id, people(world, 40), clients=4)
    assert [status for _, status, _ in later] == [201] * 40
    assert int(cluster.balancer.stats()["a"]["stot"]) > served  # the host came back and takes load again
