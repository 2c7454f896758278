"""Every setting of bookable, and where each comes from.

A setting is read, first found first, from: the command line (where the command has an option for
it), the environment (`BOOKABLE_<NAME>`, or `BOOKABLE_<NAME>_FILE` naming a file that holds the
value, as container platforms hand secrets over), the optional TOML file (`--config PATH` or
`BOOKABLE_CONFIG`, keys as the names below), and last the default. docs/configuration.md has the
same table for operators; a test keeps the two in step.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bookable.domain.errors import ValidationError

CONFIG_ENV = "BOOKABLE_CONFIG"
ENV_PREFIX = "BOOKABLE_"
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("auto", "console", "keyvalue", "json")
SMTP_SECURITY = ("none", "starttls", "tls")


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _setting(default: Any, meaning: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"meaning": meaning, "secret": secret})


@dataclass(frozen=True)
class Settings:
    database_url: str = _setting(
        "sqlite:///bookable.db", "SQLAlchemy URL of the database: `sqlite:///path.db` or "
        "`postgresql+psycopg://user:password@host:5432/db`.", secret=True)
    host: str = _setting("127.0.0.1", "Interface `bookable serve` listens on (`0.0.0.0` behind a proxy).")
    port: int = _setting(8000, "TCP port `bookable serve` listens on (1-65535).")
    workers: int = _setting(1, "Worker processes of `bookable serve`.")
    worker_start_timeout: int = _setting(60, "Seconds a worker may take to start before it is replaced.")
    access_log: bool = _setting(True, "Log one line per request (method, route, status, duration, request id).")
    log_level: str = _setting("info", "Lowest level logged: debug, info, warning or error.")
    log_format: str = _setting(
        "auto", "`console` (human-readable), `keyvalue` (logfmt) or `json`; `auto` is console on a terminal, "
        "else keyvalue.")
    forwarded_allow_ips: str = _setting(
        "127.0.0.1", "Comma-separated addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto "
        "are trusted (the client address logged and throttled on); `*` trusts any.")
    metrics: bool = _setting(True, "Serve Prometheus metrics at `/metrics`.")
    metrics_dir: str = _setting(
        "", "Folder where the workers of `bookable serve` keep their metrics (emptied at start); "
        "empty: a new temporary folder.")
    postgres_writers: int = _setting(
        2, "PostgreSQL only: how many write transactions (each a batch of waiting writes) each worker process "
        "runs at once (1-256); a second starts only while 32 writes wait (ADR 0026).")
    sqlite_synchronous: str = _setting(
        "FULL", "SQLite only: `FULL` (a commit survives an operating-system crash or power cut) or `NORMAL` "
        "(it survives the process dying only); see docs/configuration.md.")
    idempotency_lease_seconds: int = _setting(
        120, "How long an Idempotency-Key may stay claimed by a request that never finished (its process died) "
        "before a retry may take it over.")
    tracing: bool = _setting(
        False, "Export OpenTelemetry traces (needs `pip install 'bookable[tracing]'`; the exporter is set by the "
        "standard `OTEL_*` variables).")
    email: bool = _setting(False, "Send emails to members (booking confirmations, reminders ...) over SMTP.")
    smtp_host: str = _setting("localhost", "SMTP server the emails are handed to.")
    smtp_port: int = _setting(587, "TCP port of the SMTP server (587 for STARTTLS, 465 for TLS, 25 for none).")
    smtp_security: str = _setting(
        "starttls", "`starttls` (upgrade a plain connection), `tls` (TLS from the first byte) or `none`.")
    smtp_user: str = _setting("", "SMTP login; empty: send without logging in.")
    smtp_password: str = _setting("", "SMTP password (prefer `BOOKABLE_SMTP_PASSWORD_FILE`).", secret=True)
    smtp_ca_file: str = _setting(
        "", "PEM file of the certificate authorities the SMTP server's certificate is checked against; empty: "
        "the system's.")
    smtp_timeout: int = _setting(30, "Seconds an SMTP connection or reply may take before the send is retried.")
    email_from: str = _setting(
        "bookable@localhost", "From address of the emails, e.g. `Riverside Gym <no-reply@example.org>`.")
    public_url: str = _setting(
        "http://127.0.0.1:8000", "The site's public base URL as members reach it (`https://book.example.org`): "
        "links and calendar ids in emails.")
    reminder_hours: int = _setting(24, "How many hours before a class its reminder email is sent (0: no reminders).")

    delivery_worker: bool = _setting(
        True, "Run the delivery worker (webhooks, email) inside `bookable serve`: one per serve, whatever "
        "its worker count. `false`: run `bookable worker` on its own instead.")
    delivery_poll_milliseconds: int = _setting(
        250, "How often an idle delivery worker looks for new events and deliveries that are due.")
    delivery_retry_base_seconds: int = _setting(
        10, "Wait before the first retry of a failed delivery; each later wait doubles (with jitter).")
    delivery_retry_max_seconds: int = _setting(3600, "Longest wait between two tries of one delivery.")
    delivery_give_up_after_seconds: int = _setting(
        86_400, "How long a failing delivery is retried before it is given up (a webhook endpoint is then "
        "disabled).")
    deliveries_kept_days: int = _setting(
        30, "How many days a delivered or given-up delivery stays in the delivery log before the worker "
        "purges it (1-3650).")
    delivery_claim_lease_seconds: int = _setting(
        60, "How long a worker holds a delivery it is sending; a worker that died mid-send leaves it to be "
        "sent again after this (at least the webhook time-out plus 5 s).")
    webhook_timeout_seconds: int = _setting(10, "Time-out of one webhook request (connect, send and answer).")
    webhooks_allow_private: bool = _setting(
        False, "Let webhook endpoints point at loopback, private, link-local and other non-public addresses.")
    webhooks_allowed_networks: str = _setting(
        "", "Comma-separated networks (CIDR, e.g. `10.1.2.0/24,127.0.0.1/32`) webhook endpoints may point at "
        "although they are not public.")

    def __post_init__(self) -> None:
        _check_between("port", self.port, 1, 65535)
        _check_between("workers", self.workers, 1, 512)
        _check_between("worker_start_timeout", self.worker_start_timeout, 1, 3600)
        _check_choice("log_level", self.log_level, LOG_LEVELS)
        _check_choice("log_format", self.log_format, LOG_FORMATS)
        _check_choice("sqlite_synchronous", self.sqlite_synchronous, ("FULL", "NORMAL"))
        _check_between("postgres_writers", self.postgres_writers, 1, 256)
        _check_between("idempotency_lease_seconds", self.idempotency_lease_seconds, 1, 86_400)
        _check_between("smtp_port", self.smtp_port, 1, 65535)
        _check_choice("smtp_security", self.smtp_security, SMTP_SECURITY)
        _check_between("smtp_timeout", self.smtp_timeout, 1, 600)
        _check_between("reminder_hours", self.reminder_hours, 0, 24 * 14)
        _check_public_url(self.public_url)
        _check_between("delivery_poll_milliseconds", self.delivery_poll_milliseconds, 10, 60_000)
        _check_between("delivery_retry_base_seconds", self.delivery_retry_base_seconds, 1, 86_400)
        _check_between("delivery_retry_max_seconds", self.delivery_retry_max_seconds, 1, 86_400)
        _check_between("delivery_give_up_after_seconds", self.delivery_give_up_after_seconds, 1, 30 * 86_400)
        _check_between("delivery_claim_lease_seconds", self.delivery_claim_lease_seconds, 1, 86_400)
        _check_between("deliveries_kept_days", self.deliveries_kept_days, 1, 3650)
        _check_between("webhook_timeout_seconds", self.webhook_timeout_seconds, 1, 300)

    def but(self, **changes: Any) -> Settings:
        """These settings with the given ones changed (None: left as it is)."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})

    def as_environment(self) -> dict[str, str]:
        """What a worker process reads back with load() (bookable serve passes its settings on)."""
        return {env_name(name): _text(getattr(self, name)) for name in setting_names()}


def setting_names() -> list[str]:
    return [spec.name for spec in fields(Settings)]


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def describe() -> list[tuple[str, str, Any, str, bool]]:
    """(name, environment variable, default, meaning, secret) of every setting, for the docs."""
    return [(spec.name, env_name(spec.name), spec.default, spec.metadata["meaning"], spec.metadata["secret"])
            for spec in fields(Settings)]


def load(config_file: str | None = None, environ: Mapping[str, str] | None = None, **given: Any) -> Settings:
    """The settings from `given` (the command line), the environment, the TOML file and the defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or environ.get(CONFIG_ENV)
    if path:
        values.update(_from_toml(Path(path)))
    values.update(_from_environment(environ))
    values.update({name: value for name, value in given.items() if value is not None})
    try:
        return Settings(**values)
    except TypeError as error:  # only a value of the wrong type from TOML gets this far
        raise ValidationError(f"configuration: {error}") from None


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text())
    except OSError as error:
        raise ValidationError(f"configuration file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(f"configuration file {path}: {error}") from None
    known = {spec.name: spec for spec in fields(Settings)}
    for key, value in document.items():
        if key not in known:
            raise ValidationError(f"configuration file {path}: unknown setting {key!r} "
                                  f"(known: {', '.join(known)}).")
        if not _same_kind(value, known[key].default):
            raise ValidationError(f"configuration file {path}: {key} must be {_kind(known[key].default)}.")
    return dict(document)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        name = env_name(spec.name)
        text = environ.get(name)
        if text is None and environ.get(f"{name}_FILE"):
            text = _read_secret(f"{name}_FILE", environ[f"{name}_FILE"])
        if text is not None:
            values[spec.name] = _parse(name, text, spec.default)
    return values


def _read_secret(variable: str, path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        raise ValidationError(f"{variable}: cannot read {path}: {error.strerror}") from None


PARSERS: dict[type, Callable[[str], Any]] = {bool: _flag, int: int, str: str}


def _parse(variable: str, text: str, default: Any) -> Any:
    try:
        return PARSERS[type(default)](text)
    except ValueError:
        raise ValidationError(f"{variable} must be {_kind(default)} (got {text!r}).") from None


def _same_kind(value: Any, default: Any) -> bool:
    return type(value) is type(default)


def _kind(default: Any) -> str:
    return {bool: "true or false", int: "a whole number", str: "text"}[type(default)]


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _check_between(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high} (got {value}).", field=name)


def _check_public_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValidationError(f"public_url must be an http(s) URL without query or fragment (got {url!r}).",
                              field="public_url")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValidationError(f"{name} must be one of {', '.join(choices)} (got {value!r}).", field=name)
