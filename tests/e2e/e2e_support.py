"""Running the installed `bookable` command as a subprocess, as a user would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.live_server import free_port

COMMAND_SECONDS = 300
STARTUP_DEADLINE_SECONDS = 600  # a deadline for a loaded CI machine, not a timing assertion


def bookable_command() -> list[str]:
    """The console script installed next to this interpreter (what a user runs)."""
    script = Path(sys.executable).parent / "bookable"
    if script.exists():
        return [str(script)]
    found = shutil.which("bookable")
    return [found] if found else [sys.executable, "-m", "bookable.cli"]


def cli_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BOOKABLE_DATABASE_URL"}
    env.update(extra)
    return env


def run_cli(*args: str, database: str | None = None, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `bookable [--database URL] ARGS...` and capture what it prints."""
    prefix = ["--database", database] if database else []
    return subprocess.run(
        [*bookable_command(), *prefix, *args], capture_output=True, text=True, cwd=cwd,
        env=env or cli_environment(), timeout=COMMAND_SECONDS, stdin=subprocess.DEVNULL, check=False,
    )


@contextmanager
def running_server(url: str, log: Path, *options: str,
                   env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`bookable serve` on a free port; yields its base URL once /healthz answers, stops it after."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*bookable_command(), "--database", url, "serve", "--port", str(port), *options],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env or cli_environment(),
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, process, log)
            yield base, process
        finally:
            stop(process)


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"bookable serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"bookable serve did not answer /healthz:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
