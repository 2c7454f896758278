"""The load process: `python -m bench.loadgen` reads a job (JSON) on stdin and prints a summary of each
phase, and one of each group of phases, (JSON) on stdout. It runs apart from the orchestrator so that
nothing else shares its loop."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field, fields
from typing import Any, NamedTuple

from bench.client import Phase, Tally, Template, run_phase
from bench.cpu_use import Meter, Spent


class Load(NamedTuple):
    phases: list[dict[str, Any]]
    """One summary per phase, in order."""
    groups: dict[str, dict[str, Any]]
    """One summary per group name: its phases' requests merged, as if they had been one phase."""


def run_load(host: str, port: int, phases: list[Phase], server_pids: list[int]) -> Load:
    """Run the phases one after another in a fresh load process; returns their summaries, with the
    CPU that the server's processes (`server_pids`) and the whole machine spent on each."""
    job = json.dumps(encode_job(host, port, phases, server_pids))
    done = subprocess.run([sys.executable, "-m", "bench.loadgen"], input=job, text=True, capture_output=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load process failed: {done.stderr[-2000:]}")
    return Load(**json.loads(done.stdout))


def encode_job(host: str, port: int, phases: list[Phase], server_pids: list[int]) -> dict[str, Any]:
    """The load process's input. A variant list that several phases share (the slices of one group)
    is sent once, and shared again in the load process."""
    variant_lists: list[list[dict[str, Any]]] = []
    index_of: dict[int, int] = {}
    for phase in phases:
        if id(phase.variants) not in index_of:
            index_of[id(phase.variants)] = len(variant_lists)
            variant_lists.append(phase.variants)
    encoded = [{**{f.name: getattr(phase, f.name) for f in fields(phase)}, "template": asdict(phase.template),
                "variants": index_of[id(phase.variants)]} for phase in phases]
    return {"host": host, "port": port, "server_pids": server_pids, "phases": encoded,
            "variant_lists": variant_lists}


def decoded_phases(job: dict[str, Any]) -> list[Phase]:
    return [Phase(**{**raw, "template": Template(**raw["template"]), "variants": job["variant_lists"][raw["variants"]]})
            for raw in job["phases"]]


@dataclass
class Group:
    """The phases of one group so far: where their variants stop, and their requests and CPU in all."""

    next_variant: int = 0
    tally: Tally = field(default_factory=Tally)
    spent: Spent = field(default_factory=Spent)

    def add(self, tally: Tally, spent: Spent, next_variant: int) -> None:
        self.tally.add(tally)
        self.spent += spent
        self.next_variant = next_variant


def summary(tally: Tally, spent: Spent) -> dict[str, Any]:
    return {**tally.summary(), **spent.figures(len(tally.latencies_ns))}


def main() -> None:
    job = json.load(sys.stdin)
    summaries: list[dict[str, Any]] = []
    groups: dict[str, Group] = {}
    for phase in decoded_phases(job):
        group = groups.setdefault(phase.group, Group()) if phase.group else Group()
        meter = Meter(job["server_pids"])
        tally, next_variant = run_phase(job["host"], job["port"], phase, group.next_variant)
        spent = meter.spent()
        group.add(tally, spent, next_variant)
        summaries.append(summary(tally, spent))
    json.dump({"phases": summaries, "groups": {name: summary(g.tally, g.spent) for name, g in groups.items()}},
              sys.stdout)


if __name__ == "__main__":
    main()
