"""Targets, the machine, printing each figure as it comes and the JSON file at the end."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path
from statistics import mean
from typing import Any

RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "kernel": platform.release(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()], "git": _git_head()}


def _git_head() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).parent)
    return done.stdout.strip()


def show(name: str, figures: dict[str, Any]) -> None:
    keys = ("mloops_per_second", "cores",
            "per_second", "p50_ms", "p99_ms", "places_held", "waiting", "exact", "ratio_to_ceiling", "ceiling_before",
            "ceiling_after", "statuses",
            "transport_errors", "activities_per_response", "connections_per_worker", "server_cpu_us_per_request",
            "machine_cpu_us_per_request", "machine_idle_share", "last_to_first", "read_p50_first_ms",
            "read_p50_last_ms")
    shown = ", ".join(f"{key}={figures[key]}" for key in keys if key in figures)
    print(f"{name:>18}: {shown}", flush=True)
    if "ratio_slices" in figures:
        print(f"{'':>18}  {_slices(figures)}", flush=True)


def _slices(figures: dict[str, Any]) -> str:
    """The throughput scenarios' slices: each one's ratio, booking rate, and the ceilings around them."""
    def spelled(values: list[float], form: str) -> str:
        return " ".join(format(value, form) for value in values)

    line = (f"{len(figures['ratio_slices'])} slices: ratio {spelled(figures['ratio_slices'], '.3f')}; "
            f"bookings/s {spelled(figures['booking_slices'], ',.0f')}; "
            f"ceiling/s {spelled(figures['ceiling_slices'], ',.0f')}")
    if not ceiling_clean(figures):
        line += (f"; CEILING NOT ALL 200: statuses={figures['ceiling_statuses']}, "
                 f"transport_errors={figures['ceiling_transport_errors']}")
    if figures.get("ran_out_of_pairs"):
        line += "; RAN OUT OF (person, slot) PAIRS"
    return line


def ratio(figures: dict[str, Any], before: float, after: float) -> None:
    """The scenario's rate as a share of the `/healthz` ceiling (requests/s) measured right before and
    right after it: on a shared host the ceiling moves by up to 2x within minutes, so one taken at
    the start of the run can be far from what the host gave the scenario."""
    figures["ceiling_before"], figures["ceiling_after"] = before, after
    ceiling = (before + after) / 2
    if ceiling:
        figures["ratio_to_ceiling"] = round(figures["per_second"] / ceiling, 3)


def sliced_ratio(figures: dict[str, Any], bookings: list[float], ceilings: list[float]) -> None:
    """The throughput scenarios' rate as a share of the `/healthz` ceiling, slice by slice: each booking
    slice's rate over the mean of the ceiling slices right before and right after it (`ceilings` has
    one more than `bookings`), then the mean over the slices. On this shared host the ceiling moves by
    up to half within a minute: ceilings seconds apart follow it, two a whole run length apart cannot."""
    ratios = [booking / ((before + after) / 2) if before + after else 0.0
              for booking, before, after in zip(bookings, ceilings, ceilings[1:], strict=False)]
    figures.update(ratio_to_ceiling=round(mean(ratios), 3), ratio_slices=[round(r, 3) for r in ratios],
                   booking_slices=bookings, ceiling_slices=ceilings,
                   ceiling_before=ceilings[0], ceiling_after=ceilings[-1])


def ceiling_clean(figures: dict[str, Any]) -> bool:
    """Whether the ceiling slices answered 200 and nothing else (always true without slices)."""
    return figures.get("ceiling_transport_errors", 0) == 0 and set(figures.get("ceiling_statuses", {})) <= {"200"}


def verdicts(results: dict[str, Any]) -> dict[str, Any]:
    """Each target of issue 8 that this run measured: the figure, the target, met or not."""
    scenarios = results["scenarios"]
    checks: dict[str, Any] = {"zero_oversell": (len(results["oversold"]) == 0, "0 oversold slots")}
    if "contention" in scenarios:
        c = scenarios["contention"]
        checks["contention_exact"] = (c["exact"], f"places held == {c['last_places']}")
        checks["contention_rate"] = (c["per_second"] >= 1000, ">= 1,000 bookings/s")
    for name, floor in (("throughput_native", 1500), ("throughput_brp", 1200)):
        if name in scenarios:
            t = scenarios[name]
            checks[f"{name}_rate"] = (t["per_second"] >= floor, f">= {floor:,} bookings/s")
            checks[f"{name}_p99"] = (t["p99_ms"] is not None and t["p99_ms"] <= 50, "p99 <= 50 ms")
            checks[f"{name}_ratio"] = (t.get("ratio_to_ceiling", 0) >= 0.30 and ceiling_clean(t),
                                       ">= 30% of /healthz requests/s")
    for name in ("timetable", "web_timetable"):
        if name in scenarios:
            t = scenarios[name]
            checks[f"{name}_p99"] = (t["p99_ms"] is not None and t["p99_ms"] <= 30, "p99 <= 30 ms")
    if "large_event" in scenarios:
        t = scenarios["large_event"]
        checks["large_event_exact"] = (t["exact"], f"places held == {t['bookings']:,}, each answered 201")
        checks["large_event_flat"] = (t["last_to_first"] >= 0.9, "the last bookings' rate >= 90% of the first's")
    if "web_booking" in scenarios:
        t = scenarios["web_booking"]
        checks["web_booking_rate"] = (t["per_second"] >= 1000 and t["bookings_per_answer"] == 1,
                                      ">= 1,000 bookings/s, one booking per answer")
    if "webhooks" in scenarios:
        w = scenarios["webhooks"]
        checks["webhooks_rate"] = ((w["ratio_on_to_off"] or 0) >= 0.9, ">= 90% of the booking rate without webhooks")
        checks["webhooks_lag"] = (w["outbox_lag_at_end_seconds"] < 5, "outbox lag < 5 s at the end of the throughput")
    return {name: {"met": bool(met), "target": target} for name, (met, target) in checks.items()}


def write(results: dict[str, Any], output: Path | None) -> Path:
    path = output or RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{results['database']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1))
    return path
