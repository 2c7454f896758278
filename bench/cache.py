"""The seeded data set is built once per (data-set version, sizes) and reused by every run.

SQLite: a finished database file under bench/.cache/, copied for each run.
PostgreSQL: a database `bench_cache_<key>` used as the TEMPLATE of each run's own database.
Each run books into its own copy, so the cache itself is never changed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.dataset import seed
from bench.sizes import Sizes
from bookable.storage.database import Database, database_url
from bookable.storage.locking import gate_files

SQLITE_FILES = ("", "-wal", "-shm")


def remove_sqlite_files(file: str) -> None:
    """A database, its WAL and the writer gate's hidden files (storage.locking.gate_files)."""
    for path in (*(file + suffix for suffix in SQLITE_FILES), *gate_files(file)):
        Path(path).unlink(missing_ok=True)
CACHE = Path(os.environ.get("BENCH_CACHE_DIR") or Path(__file__).parent / ".cache")


@dataclass
class RunDatabase:
    url: str
    manifest: dict[str, Any]
    seeded_seconds: float | None


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


@contextmanager
def sqlite_run_database(sizes: Sizes, *, rebuild: bool = False, cache: bool = True) -> Iterator[RunDatabase]:
    CACHE.mkdir(parents=True, exist_ok=True)
    if not cache:
        with _uncached(f"sqlite:///{CACHE / f'run-{os.getpid()}.sqlite'}", sizes) as run:
            yield run
        return
    key = sizes.dataset_key()
    cached, manifest_path = CACHE / f"{key}.sqlite", CACHE / f"{key}.json"
    seeded_seconds = None
    if rebuild or not (cached.exists() and manifest_path.exists()):
        seeded_seconds = _build_sqlite(sizes, cached, manifest_path)
    run_file = CACHE / f"run-{os.getpid()}.sqlite"
    shutil.copyfile(cached, run_file)
    try:
        yield RunDatabase(f"sqlite:///{run_file}", json.loads(manifest_path.read_text()), seeded_seconds)
    finally:
        remove_sqlite_files(str(run_file))


@contextmanager
def _uncached(url: str, sizes: Sizes) -> Iterator[RunDatabase]:
    """Seed straight into the run's own database and drop it afterwards (tests, one-off runs)."""
    started = time.perf_counter()
    database = Database(url)
    try:
        manifest = seed(database, sizes, date.today())
        database.dispose()
        yield RunDatabase(url, manifest, time.perf_counter() - started)
    finally:
        database.dispose()
        if url.startswith("sqlite:///"):
            remove_sqlite_files(url.removeprefix("sqlite:///"))


def _build_sqlite(sizes: Sizes, cached: Path, manifest_path: Path) -> float:
    building = cached.with_suffix(".building")
    remove_sqlite_files(str(building))
    log(f"seeding {sizes.slots:,} slots and {sizes.bookings:,} bookings into {cached.name} (cached afterwards)")
    started = time.perf_counter()
    database = Database(f"sqlite:///{building}")
    manifest = seed(database, sizes, date.today())
    database.dispose()
    with closing(sqlite3.connect(building, isolation_level=None)) as connection:
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    building.replace(cached)
    for suffix in SQLITE_FILES[1:]:
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    manifest_path.write_text(json.dumps({**manifest, "seed_seconds": round(elapsed, 1)}, indent=1))
    log(f"seeded in {elapsed:.1f} s")
    return elapsed


def admin_engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(make_url(database_url(url)).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _manifest_of(admin, name: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """The manifest kept as the cached database's comment: one server's cache is shared by every
    checkout and cache directory, so its manifest (the API key, the ids) must travel with it."""
    with admin.connect() as connection:
        found = connection.scalar(text("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                       "WHERE datname = :n"), {"n": name})
    return json.loads(found) if found else None


def run_sql(admin, *statements: str) -> None:  # type: ignore[no-untyped-def]
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))


@contextmanager
def postgres_run_database(url: str, sizes: Sizes, *, rebuild: bool = False, cache: bool = True
                          ) -> Iterator[RunDatabase]:
    cached_name = "bench_cache_" + sizes.dataset_key().replace("-", "_")
    admin = admin_engine(url)
    seeded_seconds = None
    manifest = _manifest_of(admin, cached_name) if cache and not rebuild else None
    if cache and manifest is None:
        seeded_seconds, manifest = _build_postgres(admin, url, sizes, cached_name)
    run_name = f"bench_run_{os.getpid()}"
    template = f' TEMPLATE "{cached_name}"' if cache else ""
    run_sql(admin, f'DROP DATABASE IF EXISTS "{run_name}" WITH (FORCE)', f'CREATE DATABASE "{run_name}"{template}')
    try:
        run_url = make_url(database_url(url)).set(database=run_name).render_as_string(hide_password=False)
        if manifest is not None:
            yield RunDatabase(run_url, manifest, seeded_seconds)
        else:
            with _uncached(run_url, sizes) as run:
                yield run
    finally:
        run_sql(admin, f'DROP DATABASE IF EXISTS "{run_name}" WITH (FORCE)')
        admin.dispose()


def _build_postgres(admin, url: str, sizes: Sizes, name: str  # type: ignore[no-untyped-def]
                    ) -> tuple[float, dict[str, Any]]:
    log(f"seeding {sizes.slots:,} slots and {sizes.bookings:,} bookings into PostgreSQL {name} (cached afterwards)")
    started = time.perf_counter()
    run_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    database = Database(make_url(database_url(url)).set(database=name).render_as_string(hide_password=False))
    manifest = seed(database, sizes, date.today())
    with database.write_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    database.dispose()
    elapsed = time.perf_counter() - started
    manifest = {**manifest, "seed_seconds": round(elapsed, 1)}
    run_sql(admin, f'COMMENT ON DATABASE "{name}" IS ' + _literal(json.dumps(manifest)))
    log(f"seeded in {elapsed:.1f} s")
    return elapsed, manifest


def _literal(value: str) -> str:
    """A string constant (the server's standard_conforming_strings is on by default since 9.1)."""
    return "'" + value.replace("'", "''") + "'"


