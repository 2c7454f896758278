"""PostgreSQL connections: a pooled connection the server closed is replaced before use, without a
ping round trip for the ones that are alive (storage.liveness)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import POSTGRES_URL, throwaway_postgres

from bookable.storage.database import Database, database_url
from bookable.storage.schema import upgrade

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
