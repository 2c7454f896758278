"""Core statements compiled once per dialect and run on the driver's own cursor (ADR 0008).

SQLAlchemy's `Connection.execute()` costs several times the sqlite3 call it wraps, in Python, per
statement (ADR 0008 has the figures). A booking runs most of its statements under SQLite's write lock, and that
lock is what every booking in every worker queues for. `Prepared` leaves the SQL, the bind and
result processing to SQLAlchemy: it compiles the statement for the connection's dialect once and
keeps the type processors of its parameters and columns, then runs it with one DBAPI call.

What it keeps from `Connection.execute()`: the transaction (it runs on the session's connection,
begun as usual), type conversion both ways, and the refusal of NUL text (database.refuse_nul_text).
What it leaves out: per-statement events and logging, and expanding (`IN`) parameters: a literal
list must be written as separate values (`one_of()`).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Dialect, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.visitors import InternalTraversal

from bookable.domain.errors import ValidationError

Processor = Callable[[Any], Any]
NUL_REFUSED = "Text may not contain NUL characters."


class constant(ColumnElement[Any]):  # noqa: N801 - reads as the value it writes
    """A statement's own value, written into its SQL rather than bound. PostgreSQL plans a
    statement that psycopg prepared (at its fifth run) once for every value of its parameters (a
    generic plan), guessing how many rows a condition on a parameter keeps; on a constant it
    knows. The timetable's `kind <> $1` made it guess one offering and look slots up offering by
    offering: 6 ms a page instead of 1."""

    __visit_name__ = "bookable_constant"
    inherit_cache = True
    _traverse_internals = [("value", InternalTraversal.dp_plain_obj), ("type", InternalTraversal.dp_type)]

    def __init__(self, value: Any, type_: Any = None) -> None:
        self.value = value.value if isinstance(value, Enum) else value
        self.type = type_ if type_ is not None else literal(self.value).type


@compiles(constant)
def _written(element: constant, compiler: Any, **_: Any) -> str:
    return str(compiler.render_literal_value(element.value, element.type))


def one_of(column: ColumnElement[Any] | InstrumentedAttribute[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (values)`, the values constants (constant()), not an expanding parameter."""
    return column.in_([constant(value, column.type) for value in values])


@dataclass
class _Compiled:
    sql: str
    defaults: dict[str, Any]  # the statement's own values (literals, LIMIT), overridden by the caller's
    names: tuple[str, ...] | None  # parameter order when the driver's paramstyle is positional
    bind_processors: dict[str, Processor]
    columns: tuple[Any, ...]  # the result's columns, for their types
    record: Any  # a namedtuple class of the result's column keys, or None
    fixed: frozenset[str] = frozenset()  # the statement's own anonymous values (literals, LIMIT)
    result_processors: tuple[Processor | None, ...] | None = None  # known at the first result

    def __post_init__(self) -> None:
        """Positional parameters: the statement's own values converted once, into a template that
        each call copies and fills with the caller's (a booking's slot read has 25 parameters, of
        which 15 are its own)."""
        template: list[Any] = []
        given = []
        for index, name in enumerate(self.names or ()):
            convert = self.bind_processors.get(name)
            if name in self.fixed:
                value = self.defaults[name]
                template.append(value if convert is None else convert(value))
            else:
                template.append(None)
                given.append((index, name, convert))
        self._template, self._given = template, tuple(given)

    def processors(self, dialect: Dialect, cursor: Any) -> tuple[Processor | None, ...]:
        """A column's processor may depend on the type the driver reports (PostgreSQL numerics).
        The cursor's description is read only the first time: psycopg builds it anew at each read
        (a booking's locking read has 27 columns)."""
        if self.result_processors is None:
            self.result_processors = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self.columns, cursor.description, strict=True))
        return self.result_processors

    def arguments(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters: a tuple in statement order (SQLite), else a dict (PostgreSQL)."""
        if self.names is None:
            values = {**self.defaults, **params}
            for name, process in self.bind_processors.items():
                values[name] = process(values[name])
            _refuse_nul(values.values())
            return values
        defaults, bound = self.defaults, self._template.copy()
        for index, name, convert in self._given:
            value = params[name] if name in params else defaults[name]
            if convert is not None:
                value = convert(value)
            if type(value) is str and "\x00" in value:
                raise ValidationError(NUL_REFUSED)
            bound[index] = value
        return bound

    def records(self, rows: Sequence[Sequence[Any]], processors: tuple[Processor | None, ...]) -> list[Any]:
        if not any(processors):
            return [self.record._make(row) for row in rows]
        return [self.record._make([value if process is None else process(value)
                                   for process, value in zip(processors, row, strict=True)]) for row in rows]


def _refuse_nul(values: Iterable[Any]) -> None:
    for value in values:
        if type(value) is str and "\x00" in value:
            raise ValidationError(NUL_REFUSED)


class Prepared:
    """One statement; `column_keys` names the columns an INSERT sets (all its parameters), and
    `returning_id` the integer primary key that inserted_id() answers with."""

    def __init__(self, statement: Executable, *, column_keys: Sequence[str] | None = None,
                 returning_id: ColumnElement[int] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self.returning_id = returning_id
        self._compiled: dict[tuple[type[Dialect], str], _Compiled] = {}

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(*self.bound(connection, params))
            return self.rows(connection, cursor)
        finally:
            cursor.close()

    def bound(self, connection: Connection, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL and the driver's parameters, checked and converted now."""
        compiled = self._for(connection.dialect)
        return compiled.sql, compiled.arguments(params)

    def rows(self, connection: Connection, cursor: Any) -> list[Any]:
        """The records of a cursor that ran this statement."""
        compiled = self._for(connection.dialect)
        if compiled.record is None:
            return []
        return compiled.records(cursor.fetchall(), compiled.processors(connection.dialect, cursor))

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any | None:
        found = self.all(connection, params)
        return found[0] if found else None

    def inserted_id(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run an INSERT and return the new row's integer primary key. On SQLite that is the
        driver's lastrowid (the key must be an INTEGER PRIMARY KEY, the rowid), and the statement
        has no RETURNING: SQLite runs a RETURNING insert to the end into a temporary table first,
        about half of a booking insert's time (ADR 0008). Elsewhere, RETURNING."""
        assert self.returning_id is not None, "inserted_id() needs a Prepared made with returning_id"
        if connection.dialect.name != "sqlite":
            return int(self.all(connection, params)[0][0])
        compiled = self._for(connection.dialect)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, compiled.arguments(params))
            return int(cursor.lastrowid)
        finally:
            cursor.close()

    def _for(self, dialect: Dialect) -> _Compiled:
        key = (type(dialect), dialect.paramstyle)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        kwargs = {"column_keys": self.column_keys} if self.column_keys is not None else {}
        statement, columns = self.statement, list(getattr(self.statement, "exported_columns", None) or [])
        if self.returning_id is not None and dialect.name != "sqlite":  # SQLite: inserted_id reads lastrowid
            # named, not read off the copy: a copy made after a compile exports no columns
            statement, columns = statement.returning(self.returning_id), [self.returning_id]  # type: ignore[attr-defined]
        compiled = statement.compile(dialect=dialect, **kwargs)  # type: ignore[attr-defined]
        binds = {}
        for name, parameter in compiled.binds.items():
            process = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        keys = [column.key for column in columns]
        record = namedtuple("Record", keys, rename=True) if columns else None
        return _Compiled(
            sql=compiled.string,
            defaults=dict(compiled.params),
            names=tuple(compiled.positiontup) if compiled.positional else None,
            bind_processors=binds,
            columns=tuple(columns),
            record=record,
            fixed=frozenset(name for name, parameter in compiled.binds.items() if parameter.unique),
        )
