"""A real `bookable serve --workers N` on a free loopback port, for the length of a `with` block."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
STARTUP_SECONDS = 240.0


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    command: list[str]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The master's child processes (the uvicorn workers), for profiling."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        found = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return [pid for pid in found if _is_python(pid)]

    def process_pids(self) -> list[int]:
        """The supervisor and its workers: every process whose CPU is the server's."""
        return [self.pid, *self.worker_pids()]


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def serve_command(port: int, workers: int, kind: str = "bookable") -> list[str]:
    """`bookable serve` without access logs and with a patient worker start-up check; or plain
    uvicorn on the same app factory."""
    script = Path(sys.executable).parent / "bookable"
    if kind == "bookable" and script.exists() and importlib.util.find_spec("bookable.cli") is not None:
        return [str(script), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers),
                "--no-access-log", "--worker-start-timeout", "120"]
    return [sys.executable, "-m", "uvicorn", "--factory", "bookable.api.app:app_from_environment",
            "--host", HOST, "--port", str(port), "--workers", str(workers), "--timeout-worker-healthcheck", "120",
            "--log-level", "warning"]


@contextmanager
def running_server(database_url: str, workers: int, log_dir: Path, kind: str = "bookable") -> Iterator[Server]:
    port = free_port()
    command = serve_command(port, workers, kind)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{os.getpid()}.log"
    env = {**os.environ, "BOOKABLE_DATABASE_URL": database_url}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(HOST, port, process.pid, command, log_path)
    try:
        _wait_until_healthy(server, process)
        yield server
    finally:
        _stop(process)


def _wait_until_healthy(server: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}); see {server.log_path}:\n"
                               + server.log_path.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer /healthz within {STARTUP_SECONDS:.0f} s; see {server.log_path}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The server runs in its own session: stop its process group (master and workers), by its id."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
