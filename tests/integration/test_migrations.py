from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bookable.storage.models import Base
from bookable.storage.schema import upgrade


def test_the_migrations_build_exactly_the_schema_the_models_describe(database):
    with database.write_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_an_up_to_date_database_is_a_no_op(database):
    upgrade(database)
    upgrade(database)
