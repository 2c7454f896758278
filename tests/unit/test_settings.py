"""Settings: the command line, then the environment (or a *_FILE), then the TOML file, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookable import settings
from bookable.domain.errors import ValidationError

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"


def test_with_nothing_set_every_setting_has_its_default():
    loaded = settings.load(environ={})

    assert loaded == settings.Settings()
    assert (loaded.database_url, loaded.port, loaded.log_format) == ("sqlite:///bookable.db", 8000, "auto")


def test_the_environment_wins_over_the_file_and_the_command_line_over_both(tmp_path):
    config = tmp_path / "bookable.toml"
    config.write_text('port = 9000\nworkers = 3\nlog_level = "warning"\naccess_log = false\n')

    loaded = settings.load(str(config), environ={"BOOKABLE_WORKERS": "4"}, log_level="debug")

    assert (loaded.port, loaded.workers, loaded.log_level, loaded.access_log) == (9000, 4, "debug", False)


def test_the_file_can_be_named_by_bookable_config(tmp_path):
    config = tmp_path / "bookable.toml"
    config.write_text('host = "0.0.0.0"\n')

    assert settings.load(environ={"BOOKABLE_CONFIG": str(config)}).host == "0.0.0.0"


def test_a_secret_can_come_from_a_file_named_by_the_file_variable(tmp_path):
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://bookable:s3cret@db/bookable\n")

    loaded = settings.load(environ={"BOOKABLE_DATABASE_URL_FILE": str(secret)})

    assert loaded.database_url == "postgresql://bookable:s3cret@db/bookable"


@pytest.mark.parametrize(("environ", "words"), [
    ({"BOOKABLE_PORT": "70000"}, "port must be between 1 and 65535"),
    ({"BOOKABLE_PORT": "eighty"}, "BOOKABLE_PORT must be a whole number"),
    ({"BOOKABLE_ACCESS_LOG": "maybe"}, "BOOKABLE_ACCESS_LOG must be true or false"),
    ({"BOOKABLE_LOG_FORMAT": "xml"}, "log_format must be one of"),
    ({"BOOKABLE_DATABASE_URL_FILE": "/no/such/file"}, "cannot read /no/such/file"),
])
def test_a_bad_value_is_refused_with_a_message_naming_it(environ, words):
    with pytest.raises(ValidationError, match=words):
        settings.load(environ=environ)


def test_an_unknown_key_or_a_wrong_type_in_the_file_is_refused(tmp_path):
    unknown, wrong = tmp_path / "unknown.toml", tmp_path / "wrong.toml"
    unknown.write_text('colour = "red"\n')
    wrong.write_text('port = "8000"\n')

    with pytest.raises(ValidationError, match="unknown setting 'colour'"):
        settings.load(str(unknown), environ={})
    with pytest.raises(ValidationError, match="port must be a whole number"):
        settings.load(str(wrong), environ={})


def test_settings_passed_to_the_workers_read_back_the_same():
    chosen = settings.Settings(port=9100, access_log=False, log_format="json", workers=2)

    assert settings.load(environ=chosen.as_environment()) == chosen


def test_the_configuration_page_documents_every_setting_with_its_variable():
    page = DOCS.read_text()

    for name, variable, _default, _meaning, _secret in settings.describe():
        assert f"`{name}`" in page and f"`{variable}`" in page, name
