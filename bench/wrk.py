"""A cross-check of the load client: wrk (Debian's package) on /healthz at the same concurrency."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def healthz(base_url: str, concurrency: int, seconds: float) -> dict[str, Any]:
    threads = min(2, concurrency)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency", f"{base_url}/healthz"],
        capture_output=True, text=True, check=False, timeout=seconds + 60,
    )
    text = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    return {
        "tool": "wrk", "threads": threads, "concurrency": concurrency,
        "per_second": float(rate.group(1)) if rate else None,
        "p50_ms": _latency(text, "50%"), "p99_ms": _latency(text, "99%"),
    }


def _latency(text: str, label: str) -> float | None:
    found = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    return round(float(found.group(1)) * UNITS[found.group(2)], 2) if found else None
