"""The source type-checks (mypy, strict settings in pyproject.toml) and passes the linter (ruff)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_source_type_checks(tmp_path):
    checked = _run("mypy", "--cache-dir", str(tmp_path / "mypy"), "src")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_source_tests_and_bench_pass_the_linter():
    linted = _run("ruff", "check", "src", "tests", "bench")
    assert linted.returncode == 0, linted.stdout + linted.stderr
