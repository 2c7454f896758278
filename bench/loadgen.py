"""The load process: `python -m bench.loadgen` reads a job (JSON) on stdin and prints one summary per
phase (JSON) on stdout. It runs apart from the orchestrator so that nothing else shares its loop."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Any

from bench.client import Phase, Template, run_phase
from bench.cpu_use import Meter


def run_load(host: str, port: int, phases: list[Phase], server_pids: list[int]) -> list[dict[str, Any]]:
    """Run the phases one after another in a fresh load process; returns their summaries, with the
    CPU that the server's processes (`server_pids`) and the whole machine spent on each."""
    job = {"host": host, "port": port, "server_pids": server_pids, "phases": [asdict(phase) for phase in phases]}
    done = subprocess.run([sys.executable, "-m", "bench.loadgen"], input=json.dumps(job), text=True,
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load process failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    job = json.load(sys.stdin)
    results = []
    for raw in job["phases"]:
        phase = Phase(**{**raw, "template": Template(**raw["template"])})
        meter = Meter(job["server_pids"])
        cpu_before = time.process_time()
        summary = run_phase(job["host"], job["port"], phase)
        cpu = time.process_time() - cpu_before
        summary["client_cpu_seconds"] = round(cpu, 3)
        requests = summary["requests"]
        summary["client_cpu_us_per_request"] = round(cpu / requests * 1e6, 1) if requests else None
        summary.update(meter.summary(requests))
        results.append(summary)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
