"""Create or upgrade the schema with Alembic (what `bookable init` and `bookable serve` run)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bookable.storage.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


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


def upgrade(database: Database) -> None:
    with database.write_engine.connect() as connection:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
