"""The benchmark harness end to end at tiny sizes: a real multi-worker server, a separate load
process, and the database checked afterwards. Only correctness is asserted here, never a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from statistics import mean

import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("BOOKABLE_TEST_POSTGRES_URL")
TARGETS = ["sqlite"] + ([POSTGRES_URL] if POSTGRES_URL else [])


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: "sqlite" if t == "sqlite" else "postgresql")
def test_the_bench_smoke_run_holds_exactly_the_last_places_and_never_oversells(target: str, tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--scenarios", "contention,throughput",
         "--database", target, "--no-cache", "--no-wrk", "--output", str(output)],
        cwd=ROOT, env={**os.environ, "BENCH_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(output.read_text())

    contention = results["scenarios"]["contention"]
    assert contention["places_held"] == contention["last_places"]
    assert contention["exact"] is True
    assert contention["waiting"] == contention["attempts"] - contention["last_places"]
    assert results["oversold"] == []
    for name in ("contention", "throughput_native", "throughput_brp"):
        figures = results["scenarios"][name]
        assert figures["requests"] > 0
        assert figures["transport_errors"] == 0
        assert all(status.startswith("2") for status in figures["statuses"]), (name, figures["samples"])

    slices = results["sizes"]["throughput_slices"]
    for name in ("throughput_native", "throughput_brp"):
        figures = results["scenarios"][name]
        bookings, ceilings, ratios = figures["booking_slices"], figures["ceiling_slices"], figures["ratio_slices"]
        assert len(ratios) == len(bookings) == len(figures["slice_requests"]) == slices
        assert len(ceilings) == slices + 1
        assert all(ratio > 0 for ratio in ratios), (name, ratios)
        for ratio, booking, before, after in zip(ratios, bookings, ceilings, ceilings[1:], strict=False):
            assert ratio == pytest.approx(booking / ((before + after) / 2), abs=0.0006)
        # each slice's ratio and their mean are rounded to 3 decimals: they may differ by two half-units
        assert figures["ratio_to_ceiling"] == pytest.approx(mean(ratios), abs=0.0011)
        assert (figures["ceiling_before"], figures["ceiling_after"]) == (ceilings[0], ceilings[-1])
        assert figures["ceiling_statuses"].keys() == {"200"} and figures["ceiling_transport_errors"] == 0
        # the merged figures are over every booking slice: their requests, at their rate for their time
        assert sum(figures["slice_requests"]) == figures["requests"]
        rounding = 0.05 * figures["seconds"] + 0.0005 * figures["per_second"] + 1e-6
        assert figures["per_second"] * figures["seconds"] == pytest.approx(figures["requests"], abs=rounding)
        assert "ran_out_of_pairs" not in figures


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: "sqlite" if t == "sqlite" else "postgresql")
def test_the_slot_race_prints_a_rate_and_the_cpu_per_booking_for_each_thread_count(target: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.slot_race", "--database", target, "--threads", "1,4", "--seconds", "0.5",
         "--people", "3000"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert [line.split(" threads:")[0].strip() for line in lines] == ["1", "4"]
    assert all(" bookings/s, " in line and " us of this process's CPU each" in line for line in lines)
