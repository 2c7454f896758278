"""PostgreSQL connections: a pooled connection the server closed is replaced before use, without a
ping round trip for the ones that are alive (storage.liveness); a transaction that changed nothing
ends keeping the statements its connection prepared (storage.written_rows)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import POSTGRES_URL, throwaway_postgres

from bookable.storage.database import Database, database_url
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs BOOKABLE_TEST_POSTGRES_URL")


@pytest.fixture
def pg_database():  # type: ignore[no-untyped-def]
    urls = throwaway_postgres("bookable_conn")
    database = Database(next(urls), pool_size=2)
    upgrade(database)
    yield database
    database.dispose()
    next(urls, None)


def backend_pid(database: Database) -> int:
    with database.write_engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def test_a_connection_the_server_terminated_is_replaced_before_the_next_request(pg_database):
    pid = backend_pid(pg_database)
    admin = create_engine(database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        # with a timeout it returns once the backend has exited (its socket closed), as after a restart
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid}) is True
    admin.dispose()

    replaced = backend_pid(pg_database)  # the pooled connection is gone: no error, a new backend

    assert replaced != pid


def test_a_live_pooled_connection_is_used_without_a_ping(pg_database, tmp_path):
    raw = pg_database.write_engine.raw_connection()
    trace = (tmp_path / "libpq.trace").open("w")
    raw.driver_connection.pgconn.trace(trace.fileno())  # every protocol message, both ways
    raw.close()  # back to the pool
    pids = {backend_pid(pg_database) for _ in range(3)}
    raw = pg_database.write_engine.raw_connection()
    raw.driver_connection.pgconn.untrace()
    raw.close()
    trace.close()
    sent = [line for line in (tmp_path / "libpq.trace").read_text().splitlines() if "\tF\t" in f"\t{line}"
            or line.split("\t")[1:2] == ["F"]]
    assert len(pids) == 1
    assert sum("pg_backend_pid" in line for line in sent) == 3
    assert not any('Query\t ";"' in line or "Query\t\";\"" in line for line in sent), sent


def test_creating_the_schema_leaves_planner_statistics_even_with_autovacuum_off(pg_database):
    with pg_database.write_engine.connect() as connection:
        never_analyzed = connection.scalars(text(
            "SELECT relname FROM pg_class JOIN pg_namespace ON pg_namespace.oid = relnamespace "
            "WHERE nspname = 'public' AND relkind = 'r' AND reltuples < 0")).all()
    assert never_analyzed == []


def _statements_prepared_on_the_pooled_connection(database: Database) -> int:
    with database.write_engine.connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM pg_prepared_statements")))


def _run_unfinished(database: Database, statement: str, *, write: bool) -> None:
    """A unit of work that runs `statement` and ends without committing (a read always does)."""
    with UnitOfWork(database, 0, write=write) as uow:
        uow.connection().execute(text(statement))


def test_a_transaction_that_changed_nothing_ends_keeping_the_statements_the_connection_prepared(pg_database):
    """psycopg's rollback discards them all; a read ends with one, on the connections the write
    batches use too (storage.written_rows.KeepingConnection)."""
    for _ in range(6):  # psycopg prepares a statement at its fifth run
        with UnitOfWork(pg_database, 0, write=True) as uow:
            uow.connection().execute(text("SELECT count(*) FROM tenants WHERE id > :n"), {"n": 0})
            uow.commit()
    prepared = _statements_prepared_on_the_pooled_connection(pg_database)

    _run_unfinished(pg_database, "SELECT count(*) FROM persons", write=False)

    assert prepared >= 1
    assert _statements_prepared_on_the_pooled_connection(pg_database) == prepared


@pytest.mark.parametrize("change", ["INSERT INTO tenants (slug, name, timezone, currency, created_at) "
                                    "VALUES ('undone', 'Undone', 'UTC', 'EUR', now())",
                                    "CREATE TABLE undone (n integer)"])
def test_a_transaction_that_changed_something_and_ended_uncommitted_is_rolled_back(pg_database, change):
    _run_unfinished(pg_database, change, write=True)

    with pg_database.write_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM tenants WHERE slug = 'undone'")) == 0
        assert connection.scalar(text("SELECT to_regclass('undone') IS NULL")) is True


def test_a_read_runs_its_statements_in_no_transaction_of_its_own(pg_database, tmp_path):
    """Under READ COMMITTED each statement reads its own snapshot, in a transaction or not: BEGIN
    and its end would be two round trips for nothing."""
    raw = pg_database.write_engine.raw_connection()
    traced = raw.driver_connection.info.backend_pid
    trace = (tmp_path / "libpq.trace").open("w")
    raw.driver_connection.pgconn.trace(trace.fileno())
    raw.close()  # back to the pool, the only connection in it
    with UnitOfWork(pg_database, 0, write=False) as uow:
        pid = uow.connection().scalar(text("SELECT pg_backend_pid()"))
        tenants = uow.connection().scalar(text("SELECT count(*) FROM tenants"))
    raw = pg_database.write_engine.raw_connection()
    raw.driver_connection.pgconn.untrace()
    raw.close()
    trace.close()
    sent = (tmp_path / "libpq.trace").read_text()

    assert (pid, tenants) == (traced, 0)
    assert "pg_backend_pid" in sent and "count(*) FROM tenants" in sent
    assert not any(command in sent for command in ('"BEGIN"', '"COMMIT"', '"ROLLBACK"')), sent


def test_a_transaction_begun_by_a_statement_no_counting_cursor_saw_is_rolled_back(pg_database):
    """COPY does not run through CountingCursor.execute: the transaction it began counts as changed."""
    with UnitOfWork(pg_database, 0, write=True) as uow:  # a transaction before, committed: its count noted
        uow.connection().execute(text("SELECT 1"))
        uow.commit()
    raw = pg_database.write_engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor, cursor.copy(
                "COPY tenants (slug, name, timezone, currency, created_at) FROM STDIN") as copy:
            copy.write_row(("copied", "Copied", "UTC", "EUR", "2026-12-05T12:00:00Z"))
        raw.rollback()
    finally:
        raw.close()

    with pg_database.write_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM tenants WHERE slug = 'copied'")) == 0
