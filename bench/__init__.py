"""Benchmark harness: a real multi-worker `bookable serve` driven over HTTP by a separate load process.

Run it as `python -m bench` (see `python -m bench --help` and docs/performance.md).
"""
