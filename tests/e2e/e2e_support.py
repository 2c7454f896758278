"""Running the installed `bookable` command as a subprocess, as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

COMMAND_SECONDS = 300


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
