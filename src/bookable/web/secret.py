"""The key that signs web sessions: BOOKABLE_SECRET_KEY (or a file named by BOOKABLE_SECRET_KEY_FILE,
as container platforms hand secrets over), else one this installation generates once and keeps in
its database (instance_secrets), so that every worker and host of one database signs alike and a
restart logs nobody out. A key from the environment is what a deployment should use: whoever can
read the database can read a generated one."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bookable.domain.actors import utc_now
from bookable.storage.database import Database
from bookable.storage.web_forms import instance_secret

SECRET_ENV = "BOOKABLE_SECRET_KEY"
MIN_LENGTH = 32


def configured_secret(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    value = environ.get(SECRET_ENV)
    path = environ.get(SECRET_ENV + "_FILE")
    if not value and path:
        value = Path(path).read_text().strip()
    if value and len(value) < MIN_LENGTH:
        raise ValueError(f"{SECRET_ENV} must be at least {MIN_LENGTH} characters")
    return value or None


def secret_key(database: Database) -> str:
    configured = configured_secret()
    if configured is not None:
        return configured
    with database.write_engine.begin() as connection:
        return instance_secret(connection, "web_session_key", secrets.token_urlsafe(48), utc_now())
