"""Optional sampling profiles of the server's workers (py-spy) while a scenario runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.server import Server


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def profiled(server: Server, name: str, seconds: float, out_dir: Path) -> Iterator[list[Path]]:
    """Samples every worker for `seconds` into collapsed-stack files (flamegraph.pl / speedscope input)."""
    binary = py_spy()
    if binary is None:
        print("[bench] py-spy is not installed: profiling skipped", flush=True)
        yield []
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs, recorders = [], []
    for pid in server.worker_pids():
        output = out_dir / f"profile-{name}-{pid}.txt"
        outputs.append(output)
        recorders.append(subprocess.Popen(
            [binary, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", "200",
             "--format", "raw", "--nonblocking", "-o", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        yield outputs
    finally:
        for recorder in recorders:
            recorder.wait()
