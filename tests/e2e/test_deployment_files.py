"""The deployment files say what bookable reads: real settings, the health probe, a non-root user.

Docker's engine is not on every machine that runs the tests: CI builds the image when it is
(.ci/run), and `docker compose config` checks the compose file when the plugin is there."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bookable import settings

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
KNOWN = {variable for _, variable, *_ in settings.describe()}
KNOWN |= {f"{variable}_FILE" for variable in KNOWN} | {settings.CONFIG_ENV}


def bookable_variables(text: str) -> set[str]:
    return set(re.findall(r"\bBOOKABLE_[A-Z_]+", text))


def test_the_dockerfile_builds_in_two_stages_runs_as_a_user_and_checks_healthz():
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line.split()[0] for line in dockerfile.splitlines() if line and not line.startswith((" ", "#"))]

    assert instructions.count("FROM") == 2
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert "HEALTHCHECK" in instructions and "/healthz" in dockerfile
    assert bookable_variables(dockerfile) <= KNOWN
    assert "tests" in (ROOT / ".dockerignore").read_text().split()


def test_the_compose_file_runs_bookable_on_a_healthy_postgresql_with_secrets_from_files():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    bookable, postgres = compose["services"]["bookable"], compose["services"]["postgres"]

    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert bookable["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bookable["build"]["context"] == ".." and (DEPLOY / bookable["build"]["context"] / "Dockerfile").exists()
    assert set(bookable["environment"]) <= KNOWN
    assert bookable["environment"]["BOOKABLE_DATABASE_URL_FILE"] == "/run/secrets/database_url"
    assert set(bookable["secrets"]) | set(postgres["secrets"]) <= set(compose["secrets"])


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client")
def test_docker_compose_accepts_the_compose_file(tmp_path):
    if subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    secrets = DEPLOY / "secrets"
    secrets.mkdir(exist_ok=True)
    for name in ("database_url", "postgres_password"):
        (secrets / name).touch()

    result = subprocess.run(["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
                            capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr


def test_the_systemd_unit_runs_bookable_serve_as_its_own_user_with_the_url_as_a_credential():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "bookable.service").read_text())
    service = unit["Service"]

    assert service["ExecStart"].endswith("bookable serve")
    assert service["User"] == "bookable" and service["NoNewPrivileges"] == "yes"
    assert "database_url" in service["LoadCredential"]
    assert bookable_variables((DEPLOY / "bookable.service").read_text()) <= KNOWN
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_example_configuration_file_loads():
    loaded = settings.load(str(DEPLOY / "bookable.toml.example"), environ={})

    assert (loaded.workers, loaded.log_format) == (2, "json")


def test_the_proxy_example_forwards_the_client_address_and_keeps_metrics_inside():
    nginx = (DEPLOY / "nginx.conf").read_text()

    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"):
        assert f"proxy_set_header {header}" in nginx
    assert "ssl_certificate" in nginx and "location = /metrics" in nginx
