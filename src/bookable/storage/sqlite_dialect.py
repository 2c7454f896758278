"""pysqlite with savepoints sent straight to the driver.

Every write in a batch (storage.write_batch) runs in a SAVEPOINT of its own. SQLAlchemy's default
dialect compiles a fresh SavepointClause for every SAVEPOINT, RELEASE and ROLLBACK TO, which cost
more than the rest of a booking's statements together; these names are SQLAlchemy's own
(`sa_savepoint_1`), so the statements need no compiling.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

DRIVER_NAME = "sqlite+bookable"


class BookableSQLiteDialect(SQLiteDialect_pysqlite):
    supports_statement_cache = True

    def do_savepoint(self, connection: Any, name: str) -> None:
        _driver(connection).execute(f'SAVEPOINT "{name}"')

    def do_release_savepoint(self, connection: Any, name: str) -> None:
        _driver(connection).execute(f'RELEASE SAVEPOINT "{name}"')

    def do_rollback_to_savepoint(self, connection: Any, name: str) -> None:
        _driver(connection).execute(f'ROLLBACK TO SAVEPOINT "{name}"')


def _driver(connection: Any) -> Any:
    return connection.connection.dbapi_connection


registry.register("sqlite.bookable", __name__, BookableSQLiteDialect.__name__)
