"""Debian's PgBouncer in transaction pooling mode, started by a test on a free port in front of
the test PostgreSQL (127.0.0.1:5432): what an operator puts between bookable and its database.

Outside CI a machine without /usr/sbin/pgbouncer skips the tests that need it, saying why; in CI
(the CI variable set) a missing PgBouncer fails them: .ci/run installs it. PgBouncer refuses to
run as root: as root it is started with `-u postgres` (Debian's PostgreSQL user)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.live_server import free_port

PGBOUNCER = Path("/usr/sbin/pgbouncer")
SERVER_CONNECTIONS = 4
"""Fewer server connections than the app's pool: transactions really move between them."""

CONFIG = """\
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = {listen}
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {server_connections}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def require_pgbouncer() -> None:
    if PGBOUNCER.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{PGBOUNCER} is missing in CI: .ci/run should have installed Debian's pgbouncer")
    pytest.skip(f"{PGBOUNCER} is not installed (apt-get install -y pgbouncer); the pooler tests need it")


@contextmanager
def running_pgbouncer(listen: str = "127.0.0.1", server_connections: int = SERVER_CONNECTIONS) -> Iterator[int]:
    """Yields the port of a PgBouncer (transaction pooling) in front of 127.0.0.1:5432; stops it and
    removes its folder after. The folder is its own under /tmp: as root, PgBouncer runs as postgres,
    which cannot enter pytest's folders."""
    require_pgbouncer()
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bookable-pgbouncer-"))
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(CONFIG.format(port=port, folder=folder, server_connections=server_connections, listen=listen))
    command = [str(PGBOUNCER), str(config)]
    if os.geteuid() == 0:  # "PgBouncer should not run as root"
        shutil.chown(folder, "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for(listen.split(",")[0], port, process, folder)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(host: str, port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = folder / "pgbouncer.log"
            pytest.fail(f"pgbouncer exited with {process.returncode}: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("pgbouncer did not listen within 15 s")
