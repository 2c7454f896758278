"""Create or upgrade the schema with Alembic (what `bookable init` and `bookable serve` run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from bookable.storage.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


class UpgradeRefused(Exception):
    """A migration found data it cannot carry over; its message says what to do. Nothing of that
    migration is applied."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration: a database built at another one has another schema."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


@dataclass(frozen=True)
class SchemaChange:
    before: str | None
    """The revision the database was at; None: it had no schema."""
    after: str | None

    def describe(self) -> str:
        if self.before is None:
            return "Created the schema"
        if self.before != self.after:
            return f"Upgraded the schema from {self.before} to {self.after}"
        return "Schema is up to date"


def upgrade(database: Database) -> SchemaChange:
    with database.write_engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
        if after != before and connection.dialect.name == "postgresql":
            # planner statistics for the tables the migrations made or filled, even with autovacuum off
            connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return SchemaChange(before, after)
