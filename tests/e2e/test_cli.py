"""The real `bookable` command, run as a user runs it, against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from alembic import command
from e2e_support import cli_environment, run_cli
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, text
from tests.conftest import World
from tests.local_dates import local_today

from bookable.api.app import create_app
from bookable.demo import SLUGS, demo_api_key
from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.offering import Kind, OfferingSpec
from bookable.domain.recurrence import Repeat
from bookable.services import accounts
from bookable.services.offerings import create_offering
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import alembic_config
from bookable.storage.unit_of_work import UnitOfWork

# Failures that stop before any SQL is backend-independent: run them on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)
COUNTED = (m.Tenant, m.User, m.ApiKey, m.Person, m.Offering, m.Slot, m.Booking, m.Registration, m.LedgerEntry,
           m.Attendance, m.Product, m.BusinessUnit, m.Resource)


def row_counts(database: Database) -> dict[str, int]:
    """Rows per table (0 everywhere while the schema does not exist yet)."""
    if "tenants" not in inspect(database.read_engine).get_table_names():
        return {model.__tablename__: 0 for model in COUNTED}
    with database.session(write=False) as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in COUNTED}


def tenant_named(database: Database, slug: str) -> m.Tenant | None:
    with UnitOfWork(database, 0, write=False) as uow:
        return uow.tenants.by_slug(slug)


def assert_clean_failure(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("bookable: error: ")
    for word in words:
        assert word in result.stderr


def test_init_creates_the_schema_and_running_it_again_changes_nothing(fresh_url, open_database):
    first = run_cli("init", database=fresh_url)
    assert first.returncode == 0, first.stderr
    with open_database.session(write=False) as session:
        version = session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    tables = set(inspect(open_database.read_engine).get_table_names())

    second = run_cli("init", database=fresh_url)

    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert {"tenants", "slots", "bookings"} <= tables
    with open_database.session(write=False) as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == version
    assert set(inspect(open_database.read_engine).get_table_names()) == tables


def test_tenant_add_creates_a_tenant_with_its_zone_and_client_id(fresh_url, open_database):
    result = run_cli("tenant", "add", "north-gym", "--name", "North Gym", "--timezone", "Europe/Stockholm",
                     "--client-id", "777", "--currency", "sek", database=fresh_url)

    assert result.returncode == 0, result.stderr
    assert "north-gym" in result.stdout
    tenant = tenant_named(open_database, "north-gym")
    assert tenant is not None
    assert (tenant.name, tenant.timezone, tenant.client_id, tenant.currency) == (
        "North Gym", "Europe/Stockholm", 777, "SEK")


def test_an_api_key_printed_by_apikey_add_authenticates_over_http(fresh_url, open_database):
    assert run_cli("tenant", "add", "river", database=fresh_url).returncode == 0

    result = run_cli("apikey", "add", "--tenant", "river", "--name", "booking-widget", database=fresh_url)

    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("bk_") and len(key.splitlines()) == 1
    assert key not in result.stderr
    with open_database.session(write=False) as session:
        stored = session.scalars(select(m.ApiKey)).all()
    assert [row.name for row in stored] == ["booking-widget"]
    assert key not in {row.key_hash for row in stored}
    with TestClient(create_app(open_database, roll_horizons=False)) as client:
        accepted = client.get("/api/v1/offerings", headers={"Authorization": f"Bearer {key}"})
        refused = client.get("/api/v1/offerings", headers={"Authorization": f"Bearer {key}x"})
    assert accepted.status_code == 200
    assert refused.status_code == 401


def test_a_user_added_by_the_command_logs_in_with_http_basic(fresh_url, open_database):
    assert run_cli("tenant", "add", "river", database=fresh_url).returncode == 0

    result = run_cli("user", "add", "maria", "--tenant", "river", "--password", "s3cret-pass", "--role", "admin",
                     database=fresh_url)

    assert result.returncode == 0, result.stderr
    with open_database.session(write=False) as session:
        user = session.scalars(select(m.User)).one()
    assert (user.username, user.role) == ("maria", "admin")
    assert "s3cret-pass" not in user.password_hash
    with TestClient(create_app(open_database, roll_horizons=False)) as client:
        assert client.get("/api/v1/offerings", auth=("maria", "s3cret-pass")).status_code == 200
        assert client.get("/api/v1/offerings", auth=("maria", "wrong-pass")).status_code == 401


def test_a_duplicate_slug_is_refused_with_a_message_and_no_traceback(fresh_url, open_database):
    assert run_cli("tenant", "add", "river", database=fresh_url).returncode == 0

    result = run_cli("tenant", "add", "river", database=fresh_url)

    assert_clean_failure(result, "river", "already exists")
    with open_database.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(m.Tenant)) == 1


@SQLITE_ONLY
def test_an_unknown_time_zone_is_refused_and_creates_nothing(fresh_url, open_database):
    result = run_cli("tenant", "add", "river", "--timezone", "Europe/Atlantis", database=fresh_url)

    assert_clean_failure(result, "Europe/Atlantis")
    assert row_counts(open_database)["tenants"] == 0


@SQLITE_ONLY
def test_a_user_for_an_unknown_tenant_is_refused(fresh_url, open_database):
    result = run_cli("user", "add", "maria", "--tenant", "nowhere", "--password", "s3cret-pass", database=fresh_url)

    assert_clean_failure(result, "nowhere")
    assert row_counts(open_database)["users"] == 0


@SQLITE_ONLY
def test_an_api_key_for_an_unknown_tenant_is_refused(fresh_url, open_database):
    result = run_cli("apikey", "add", "--tenant", "nowhere", database=fresh_url)

    assert_clean_failure(result, "nowhere")
    assert result.stdout == ""


@SQLITE_ONLY
def test_a_short_password_and_a_bad_role_are_refused(fresh_url, open_database):
    assert run_cli("tenant", "add", "river", database=fresh_url).returncode == 0

    short = run_cli("user", "add", "maria", "--tenant", "river", "--password", "short", database=fresh_url)
    bad_role = run_cli("user", "add", "maria", "--tenant", "river", "--password", "long-enough",
                       "--role", "owner", database=fresh_url)

    assert_clean_failure(short, "8 characters")
    assert bad_role.returncode != 0 and "Traceback" not in bad_role.stderr
    assert row_counts(open_database)["users"] == 0


def test_an_unreachable_database_is_reported_in_one_line(tmp_path: Path):
    missing = f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}"

    result = run_cli("init", database=missing)

    assert_clean_failure(result, "database")


@SQLITE_ONLY
def test_the_database_comes_from_the_environment_when_no_option_is_given(fresh_url, open_database, tmp_path):
    result = run_cli("tenant", "add", "from-env", cwd=tmp_path, env=cli_environment(BOOKABLE_DATABASE_URL=fresh_url))

    assert result.returncode == 0, result.stderr
    assert tenant_named(open_database, "from-env") is not None
    assert not (tmp_path / "bookable.db").exists()


def test_without_any_setting_the_database_is_bookable_db_in_the_working_directory(tmp_path: Path):
    result = run_cli("tenant", "add", "local", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    database = Database(f"sqlite:///{tmp_path / 'bookable.db'}")
    try:
        assert tenant_named(database, "local") is not None
    finally:
        database.dispose()


def test_demo_loads_three_tenants_and_loading_it_again_duplicates_nothing(fresh_url, open_database):
    first = run_cli("demo", database=fresh_url)
    assert first.returncode == 0, first.stderr
    counts = row_counts(open_database)

    second = run_cli("demo", database=fresh_url)

    assert second.returncode == 0, second.stderr
    assert row_counts(open_database) == counts
    assert counts["tenants"] == 3 and counts["bookings"] > 50 and counts["registrations"] == 8
    for slug in SLUGS:
        assert f"[{slug}]" in first.stdout and demo_api_key(slug) in first.stdout
    assert first.stdout.count("created") == 3 and second.stdout.count("already loaded") == 3


def test_the_demo_shows_full_classes_waiting_lists_and_a_marked_register(fresh_url, open_database):
    assert run_cli("demo", "--tenant", "gym-demo", database=fresh_url).returncode == 0
    assert run_cli("demo", "--tenant", "charity-demo", database=fresh_url).returncode == 0

    with open_database.session(write=False) as session:
        waiting = session.scalar(select(func.count()).select_from(m.Booking).where(m.Booking.status == "waitlisted"))
        attended = session.scalar(select(func.count()).select_from(m.Attendance).where(m.Attendance.attended))
        volunteers = session.scalars(select(m.Attendance.volunteering).where(m.Attendance.volunteering != "")).all()
        zones = {slug: zone for slug, zone in session.execute(select(m.Tenant.slug, m.Tenant.timezone))}
    assert waiting >= 2 and attended > 0
    assert "Volunteered|Made Coffee" in volunteers
    assert zones == {"gym-demo": "Europe/Stockholm", "charity-demo": "Europe/London"}


@SQLITE_ONLY
def test_demo_refuses_a_tenant_it_does_not_know(fresh_url, open_database):
    result = run_cli("demo", "--tenant", "acme", database=fresh_url)

    assert_clean_failure(result, "acme", "gym-demo")
    assert row_counts(open_database)["tenants"] == 0


def test_the_demo_keys_and_logins_work_over_http(fresh_url, open_database):
    assert run_cli("demo", "--tenant", "courses-demo", database=fresh_url).returncode == 0

    with TestClient(create_app(open_database, roll_horizons=False)) as client:
        by_key = client.get("/api/v1/offerings", headers={"Authorization": f"Bearer {demo_api_key('courses-demo')}"})
        by_login = client.get("/api/v1/offerings", auth=("admin@courses-demo", "demo-password"))
    assert by_key.status_code == by_login.status_code == 200
    assert "Introduction to Bookkeeping" in by_key.text and by_key.text == by_login.text


def test_init_refuses_to_upgrade_past_two_active_bookings_of_one_person_on_a_slot_and_changes_nothing(
        fresh_url, open_database):
    assert run_cli("init", database=fresh_url).returncode == 0
    with UnitOfWork(open_database, 0) as uow:
        tenant = accounts.add_tenant(uow, "club", timezone="Europe/Stockholm")
        uow.commit()
    world = World(open_database, tenant, Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE))
    with world.uow() as uow:
        offering = create_offering(uow, world.admin, OfferingSpec(
            kind=Kind.EVENT, name="Yoga", group="Classes", start_date=local_today(), start_time=time(18),
            duration=60, spaces=5, min_cancel=0, repeat=Repeat.NONE))
        uow.commit()
    slot_id, person_id, now = world.slots(offering.id)[0].id, world.person(), utc_now()
    with open_database.write_engine.connect() as connection:
        config = alembic_config(fresh_url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0011_person_language")  # before the index that forbids it
        connection.commit()
    with open_database.session(write=True) as session:
        for _ in range(2):
            session.add(m.Booking(tenant_id=tenant.id, person_id=person_id, offering_id=offering.id, slot_id=slot_id,
                                  places=1, status="confirmed", channel="native", created_at=now, changed_at=now))
        session.commit()

    refused = run_cli("init", database=fresh_url)

    assert_clean_failure(refused, f"slot {slot_id}, person {person_id}: 2", "Cancel the extra bookings")
    with open_database.session(write=False) as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0011_person_language"
        assert session.scalar(select(func.count()).select_from(m.Booking)) == 2
