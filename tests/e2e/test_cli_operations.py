"""The operator's commands, run as a user runs them: accounts, tenants, settings and small defects."""

from __future__ import annotations

import re

import pytest
from e2e_support import cli_environment, run_cli
from test_cli import assert_clean_failure, tenant_named

from bookable import __version__

SQLITE_ONLY = pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)


def test_version_prints_the_installed_version():
    result = run_cli("--version")

    assert result.returncode == 0
    assert result.stdout.strip() == f"bookable {__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", __version__)


def test_database_is_accepted_after_the_subcommand_and_init_says_it_created_the_schema(fresh_url, open_database):
    created = run_cli("init", "--database", fresh_url)
    again = run_cli("init", f"--database={fresh_url}")

    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Created the schema")
    assert again.stdout.startswith("Schema is up to date")


@SQLITE_ONLY
def test_a_port_out_of_range_is_refused_before_anything_listens(fresh_url):
    result = run_cli("serve", "--port", "70000", database=fresh_url)

    assert_clean_failure(result, "port must be between 1 and 65535")


def test_an_unsupported_database_is_named_in_one_line():
    result = run_cli("init", database="mysql://bookable@localhost/bookable")

    assert_clean_failure(result, "Unsupported database 'mysql'")


@SQLITE_ONLY
@pytest.mark.parametrize("currency", ["XX", "pounds"])
def test_a_currency_that_is_not_iso_4217_is_refused(fresh_url, open_database, currency):
    result = run_cli("tenant", "add", "river", "--currency", currency, database=fresh_url)

    assert_clean_failure(result, "ISO 4217")
    assert tenant_named(open_database, "river") is None


def test_users_are_listed_disabled_enabled_and_given_a_new_password(fresh_url, open_database):
    assert run_cli("tenant", "add", "river", database=fresh_url).returncode == 0
    assert run_cli("user", "add", "maria", "--tenant", "river", "--password", "first-pass",
                   database=fresh_url).returncode == 0

    disabled = run_cli("user", "disable", "maria", database=fresh_url)
    listed_disabled = run_cli("user", "list", "--tenant", "river", database=fresh_url)
    enabled = run_cli("user", "enable", "maria", database=fresh_url)
    reset = run_cli("user", "reset-password", "maria", "--password", "second-pass", database=fresh_url)
    listed = run_cli("user", "list", database=fresh_url)
    unknown = run_cli("user", "disable", "nobody", database=fresh_url)

    assert disabled.returncode == enabled.returncode == reset.returncode == 0, disabled.stderr + reset.stderr
    assert re.search(r"maria\s+river\s+staff\s+disabled", listed_disabled.stdout)
    assert re.search(r"maria\s+river\s+staff\s+active", listed.stdout)
    assert_clean_failure(unknown, "nobody")
    from fastapi.testclient import TestClient

    from bookable.api.app import create_app

    with TestClient(create_app(open_database, roll_horizons=False)) as client:
        assert client.get("/api/v1/offerings", auth=("maria", "first-pass")).status_code == 401
        assert client.get("/api/v1/offerings", auth=("maria", "second-pass")).status_code == 200


def test_api_keys_are_listed_without_the_key_and_a_revoked_one_stays_listed(fresh_url):
    assert run_cli("tenant", "add", "river", database=fresh_url).returncode == 0
    key = run_cli("apikey", "add", "--tenant", "river", "--name", "website", database=fresh_url).stdout.strip()

    revoked = run_cli("apikey", "revoke", "1", database=fresh_url)
    listed = run_cli("apikey", "list", "--tenant", "river", database=fresh_url)
    missing = run_cli("apikey", "revoke", "99", database=fresh_url)

    assert revoked.returncode == 0 and "Revoked API key 1 (website)" in revoked.stdout
    assert re.search(r"1\s+website\s+river\s+admin\s+\S+\s+revoked", listed.stdout)
    assert key not in listed.stdout
    assert_clean_failure(missing, "99")


def test_tenants_are_listed_and_their_settings_changed_with_checks(fresh_url, open_database):
    assert run_cli("tenant", "add", "river", "--name", "River", database=fresh_url).returncode == 0

    changed = run_cli("tenant", "set", "river", "name=Riverside Trust", "timezone=Europe/Dublin", "currency=eur",
                      database=fresh_url)
    bad_zone = run_cli("tenant", "set", "river", "timezone=Mars/Olympus", database=fresh_url)
    bad_key = run_cli("tenant", "set", "river", "colour=red", database=fresh_url)
    listed = run_cli("tenant", "list", database=fresh_url)

    assert changed.returncode == 0, changed.stderr
    assert_clean_failure(bad_zone, "Mars/Olympus")
    assert_clean_failure(bad_key, "colour", "timezone")
    assert re.search(r"river\s+Riverside Trust\s+Europe/Dublin\s+EUR", listed.stdout)
    tenant = tenant_named(open_database, "river")
    assert tenant is not None and (tenant.name, tenant.timezone, tenant.currency) == (
        "Riverside Trust", "Europe/Dublin", "EUR")


@SQLITE_ONLY
def test_the_database_url_can_come_from_a_toml_file_or_a_secret_file(fresh_url, open_database, tmp_path):
    config = tmp_path / "bookable.toml"
    config.write_text(f'database_url = "{fresh_url}"\n')
    secret = tmp_path / "database-url"
    secret.write_text(fresh_url + "\n")

    by_file = run_cli("--config", str(config), "tenant", "add", "from-toml", cwd=tmp_path)
    by_secret = run_cli("tenant", "add", "from-secret", cwd=tmp_path,
                        env=cli_environment(BOOKABLE_DATABASE_URL_FILE=str(secret)))
    bad_config = run_cli("init", "--config", str(tmp_path / "missing.toml"), cwd=tmp_path)

    assert by_file.returncode == 0, by_file.stderr
    assert by_secret.returncode == 0, by_secret.stderr
    assert tenant_named(open_database, "from-toml") is not None
    assert tenant_named(open_database, "from-secret") is not None
    assert not (tmp_path / "bookable.db").exists()
    assert_clean_failure(bad_config, "missing.toml")


@SQLITE_ONLY
def test_backup_refuses_to_overwrite_and_restore_refuses_to_replace_data_unasked(fresh_url, tmp_path):
    assert run_cli("tenant", "add", "river", database=fresh_url).returncode == 0
    copy = tmp_path / "copy.db"
    assert run_cli("backup", str(copy), database=fresh_url).returncode == 0

    again = run_cli("backup", str(copy), database=fresh_url)
    unasked = run_cli("restore", str(copy), database=fresh_url)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    garbage = run_cli("restore", str(not_a_backup), database=f"sqlite:///{tmp_path / 'other.db'}")

    assert_clean_failure(again, "already exists")
    assert_clean_failure(unasked, "--yes")
    assert_clean_failure(garbage, "notes.txt")


def test_backup_of_postgresql_points_to_pg_dump(fresh_url):
    if not fresh_url.startswith("postgresql"):
        pytest.skip("about PostgreSQL")

    result = run_cli("backup", "/tmp/never-written.db", database=fresh_url)

    assert_clean_failure(result, "pg_dump")
