"""The machinery of tests/e2e/test_two_hosts.py: two application hosts, each `bookable serve
--workers 2` in a network namespace of its own (ip netns, a veth pair each), against one PostgreSQL
through PgBouncer, behind HAProxy with health checks on /readyz.

The namespaces reach PostgreSQL through a PgBouncer that listens on their veth pairs' host-side
addresses (PostgreSQL itself listens on 127.0.0.1 only). Each namespace's default route goes
through its veth pair, so that both hosts reach a server the test runs in this machine's own
namespace (a webhook receiver) at one address. Everything runs on this machine, on addresses of
the namespaces' own (10.229.N.0/30); `running_cluster` removes its namespaces and stops its
processes itself. Where network namespaces are not allowed it skips saying so, except under CI,
where it fails."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from e2e_support import cli_environment
from tests.conftest import throwaway_postgres
from tests.live_server import free_port
from tests.pgbouncer import running_pgbouncer

from bookable.storage.database import Database
from bookable.storage.schema import upgrade

HAPROXY = Path("/usr/sbin/haproxy")
APP_PORT = 8000
NAMESPACE_NETWORK = "10.229.0.0/16"
"""Every address of the hosts and of their veth pairs' host-side ends."""
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
    environment: dict[str, str]
    """Settings of its `bookable serve` (BOOKABLE_...), beside the database URL."""
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
        _ip("route", "add", "default", "via", self.gateway, namespace=self.name)

    def start(self) -> None:
        script = Path(sys.executable).parent / "bookable"
        command = ["ip", "netns", "exec", self.name, str(script), "serve", "--host", self.address, "--port",
                   str(APP_PORT), "--workers", "2", "--no-access-log"]
        environment = cli_environment(BOOKABLE_DATABASE_URL=self.database_url, **self.environment)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, env=environment)
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

    @property
    def outside_address(self) -> str:
        """An address of this machine's own namespace that every host reaches (through its default
        route): where a server the test runs, such as a webhook receiver, listens."""
        return self.hosts[0].gateway


@contextmanager
def running_cluster(environment: dict[str, str]) -> Iterator[Cluster]:
    """Two hosts on a throwaway PostgreSQL database, each `bookable serve` with `environment`, and
    HAProxy in front of them once both are UP; all of it removed afterwards."""
    _require(HAPROXY, "haproxy")
    _namespaces_allowed()
    urls = throwaway_postgres("bookable_hosts")
    direct_url = next(urls)
    migrating = Database(direct_url, pool_size=1)
    upgrade(migrating)
    migrating.dispose()
    first = random.randrange(1, 120) * 2
    hosts = [Host(f"bookable-a-{os.getpid()}", first, environment),
             Host(f"bookable-b-{os.getpid()}", first + 1, environment)]
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
