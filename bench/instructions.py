"""`python -m bench.instructions SCENARIO`: instructions per request under callgrind.

Runs `python -m bench.inprocess SCENARIO --concurrency 32 --requests N` under valgrind's callgrind
for two N and prints (instructions(N2) - instructions(N1)) / (N2 - N1), so that start-up and the
seeding of the data cancel out. Unlike seconds, the figure does not move with the host; it still
moves by 1-4% between runs of the same code, so it resolves changes of about 5% and more. Compare a
change by running the old and the new checkout alternately (`--source` names the checkout)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUMMARY = re.compile(rb"^summary:\s+(\d+)", re.MULTILINE)


def _run(source: Path, scenario: str, requests: int, prefix: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": f"{source / 'src'}{os.pathsep}{source}", "PYTHONHASHSEED": "0"}
    subprocess.run([*prefix, sys.executable, "-m", "bench.inprocess", scenario, "--concurrency", "32",
                    "--requests", str(requests)],
                   cwd=source, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def instructions(source: Path, scenario: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        _run(source, scenario, requests, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"])
        found = SUMMARY.search(out.read_bytes())
        if found is None:
            raise SystemExit(f"callgrind wrote no summary for {scenario} x {requests}")
        return int(found.group(1))


def per_request(source: Path, scenario: str, fewer: int, more: int) -> float:
    _run(source, scenario, 1, [])  # seeds the cached data set first, outside the counts
    return (instructions(source, scenario, more) - instructions(source, scenario, fewer)) / (more - fewer)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("scenarios", nargs="+", help="bench.inprocess scenarios: native brp healthz ...")
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the checkout to measure (default: this one)")
    parser.add_argument("--requests", type=int, nargs=2, default=(200, 1000), metavar=("FEWER", "MORE"))
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install -y valgrind)")
    for scenario in args.scenarios:
        figure = per_request(args.source.resolve(), scenario, *args.requests)
        print(f"{scenario}: {figure:,.0f} instructions per request ({args.source})")


if __name__ == "__main__":
    main()
