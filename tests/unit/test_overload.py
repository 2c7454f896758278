import sqlite3

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bookable.storage.database import is_overload


def test_a_pool_timeout_or_a_locked_sqlite_database_is_overload_not_a_bug():
    assert is_overload(PoolTimeout("QueuePool limit reached"))
    assert is_overload(OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")))
    assert is_overload(sqlite3.OperationalError("database is locked (writer gate timed out)"))


def test_other_database_errors_stay_server_errors():
    assert not is_overload(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")))
    assert not is_overload(ValueError("database is locked"))
