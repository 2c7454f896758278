"""The benchmark's sliced measurement without a server: the slices of one group go on through one
variant list, their tallies and CPU merge as if they had been one phase, and the ratio to the
ceiling is taken slice by slice."""

from __future__ import annotations

from collections import Counter

import pytest
from bench.client import Phase, Run, Tally, Template
from bench.cpu_use import Spent
from bench.loadgen import Group, decoded_phases, encode_job, summary
from bench.report import ceiling_clean, sliced_ratio

MS = 1_000_000


def tally(latencies_ms: list[int], statuses: dict[int, int], elapsed: float, errors: int = 0) -> Tally:
    return Tally([ms * MS for ms in latencies_ms], Counter(statuses), {status: f"body {status}" for status in statuses},
                 errors, elapsed)


def test_the_slices_of_a_group_merge_into_one_summary_as_if_they_had_been_one_phase():
    group = Group()
    group.add(tally([1] * 98 + [50, 60], {201: 100}, elapsed=2.0), Spent(0.1, 0.4, 0.9, 0.1), next_variant=100)
    group.add(tally([2] * 97 + [40, 70, 80], {201: 99, 409: 1}, elapsed=3.0, errors=2), Spent(0.2, 0.6, 1.1, 0.9),
              next_variant=202)

    merged = summary(group.tally, group.spent)

    assert group.next_variant == 202
    assert merged["requests"] == 200 and merged["seconds"] == 5.0 and merged["per_second"] == 40.0
    assert (merged["p50_ms"], merged["p90_ms"], merged["p99_ms"], merged["max_ms"]) == (2.0, 2.0, 70.0, 80.0)
    assert merged["statuses"] == {"201": 199, "409": 1} and merged["transport_errors"] == 2
    assert merged["samples"] == {"201": "body 201", "409": "body 409"}
    assert merged["client_cpu_seconds"] == pytest.approx(0.3) and merged["server_cpu_us_per_request"] == 5000.0
    assert merged["machine_cpu_us_per_request"] == 10000.0 and merged["machine_idle_share"] == 0.333


def test_each_slice_of_a_group_goes_on_through_the_one_variant_list_the_load_process_was_sent():
    template = Template("POST", "/bookings", body="{n}")
    variants = [{"n": n} for n in range(10)]
    booking = Phase(template, variants, concurrency=2, max_requests=4, group="booking")
    ceiling = Phase(Template("GET", "/healthz"), [{}], concurrency=2, cycle=True, group="ceiling")
    job = encode_job("127.0.0.1", 1, [ceiling, booking, ceiling, booking], server_pids=[])

    phases = decoded_phases(job)

    assert len(job["variant_lists"]) == 2 and phases[1].variants is phases[3].variants
    second_slice = Run("127.0.0.1", 1, phases[3], first_variant=3)
    assert [second_slice.take() for _ in range(5)] == [3, 4, 5, 6, None]  # max_requests counts this slice's own
    last_slice = Run("127.0.0.1", 1, phases[3], first_variant=8)
    assert [last_slice.take() for _ in range(3)] == [8, 9, None]  # the variants run out first


def test_the_ratio_is_the_mean_over_slices_of_each_to_the_ceilings_either_side_of_it():
    figures: dict[str, object] = {}
    sliced_ratio(figures, bookings=[30.0, 60.0, 20.0], ceilings=[100.0, 100.0, 200.0, 200.0])

    assert figures["ratio_slices"] == [0.3, 0.4, 0.1]
    assert figures["ratio_to_ceiling"] == pytest.approx((0.3 + 0.4 + 0.1) / 3, abs=0.0005)
    assert (figures["ceiling_before"], figures["ceiling_after"]) == (100.0, 200.0)
    assert ceiling_clean({"ceiling_statuses": {"200": 5}, "ceiling_transport_errors": 0})
    assert not ceiling_clean({"ceiling_statuses": {"200": 5, "503": 1}, "ceiling_transport_errors": 0})
    assert not ceiling_clean({"ceiling_statuses": {"200": 5}, "ceiling_transport_errors": 1})
