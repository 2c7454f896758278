"""The `bookable` command: schema, server, tenants, users, API keys and demo data.

Every command takes its settings from its options, the environment (BOOKABLE_*), the optional
TOML file (`--config`, BOOKABLE_CONFIG) and the defaults, in that order (bookable.settings); the
database is `--database`, given before or after the subcommand, else BOOKABLE_DATABASE_URL, else
`sqlite:///bookable.db` in the working directory. Commands that touch data bring the schema up to
date first, so a fresh machine needs no separate `init`. Expected failures (unknown tenant,
duplicate slug, bad time zone, unreachable database) print one line to stderr and exit 1.

New subcommands (e.g. `bookable bench`) register on `app` below with `app.command()` or
`app.add_typer()`; `database_from(ctx)` gives them the selected database.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError

from bookable import __version__
from bookable import settings as configuration
from bookable.domain.actors import Role
from bookable.domain.errors import DomainError
from bookable.services import accounts, tenants
from bookable.settings import Settings
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import UpgradeRefused, upgrade
from bookable.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bookable.demo import DemoTenant

APP_FACTORY = "bookable.api.app:app_from_environment"
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

app = typer.Typer(
    name="bookable",
    help="Self-hosted booking server: sessions, courses, recurring classes and events.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
tenant_app = typer.Typer(help="Manage tenants (a club, charity or course provider).", no_args_is_help=True)
user_app = typer.Typer(help="Manage staff users (HTTP Basic logins).", no_args_is_help=True)
apikey_app = typer.Typer(help="Manage API keys (Bearer tokens, BRP apikey).", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")

DATABASE_HELP = "SQLAlchemy URL, e.g. sqlite:///bookable.db or postgresql+psycopg://user@host/db."
CONFIG_HELP = "TOML configuration file (docs/configuration.md)."


class StaffRole(StrEnum):
    admin = "admin"
    staff = "staff"


class CommandFailed(Exception):
    """An expected failure: shown as one line, no traceback."""


def fail(message: str) -> NoReturn:
    raise CommandFailed(message)


@dataclass
class Chosen:
    """What the command line chose before or after the subcommand: --database and --config."""

    database: str | None = None
    config: str | None = None


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"bookable {__version__}")
        raise typer.Exit()


@app.callback()
def global_options(
    ctx: typer.Context,
    database: Annotated[str | None, typer.Option("--database", help=DATABASE_HELP)] = None,
    config: Annotated[str | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Print the version and exit.")] = False,
) -> None:
    ctx.obj = Chosen(database, config)


def settings_from(ctx: typer.Context, **given: Any) -> Settings:
    """The settings, with what the command line gave (None: not given) above everything else."""
    chosen: Chosen = ctx.find_root().obj
    settings = configuration.load(chosen.config, database_url=chosen.database, **given)
    os.environ.update(settings.as_environment())  # storage and every worker read the same settings back
    return settings


def database_from(ctx: typer.Context, *, migrate: bool = True) -> Database:
    """The selected database, with its schema brought up to date (idempotent)."""
    database = Database(settings_from(ctx).database_url)
    ctx.call_on_close(database.dispose)
    if migrate:
        upgrade(database)
    return database


@contextmanager
def global_unit_of_work(database: Database) -> Iterator[UnitOfWork]:
    """Tenants, users and keys are looked up across tenants, so this unit of work has no tenant."""
    with UnitOfWork(database, 0) as uow:
        yield uow
        uow.commit()


def tenant_by_slug(uow: UnitOfWork, slug: str) -> m.Tenant:
    tenant = uow.tenants.by_slug(slug)
    if tenant is None:
        fail(f"Unknown tenant {slug!r}: create it with `bookable tenant add {slug}`.")
    return tenant


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the schema, or upgrade it to the latest version (safe to run again)."""
    database = database_from(ctx, migrate=False)
    change = upgrade(database)
    typer.echo(f"{change.describe()} in {_shown(database.url)}.")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to listen on [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port, 1-65535 [default: 8000].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (SQLite WAL and PostgreSQL) [default: 1].")
                       ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo tenants first if they are missing.")] = False,
    access_log: Annotated[bool | None, typer.Option(
        "--access-log/--no-access-log", help="Log every request (off for benchmarks) [default: on].")] = None,
    worker_start_timeout: Annotated[int | None, typer.Option(
        help="Seconds a worker may take to start before it is replaced [default: 60].")] = None,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning or error [default: info].")] = None,
    log_format: Annotated[str | None, typer.Option(
        help="auto, console, keyvalue or json [default: auto: console on a terminal, else keyvalue].")] = None,
) -> None:
    """Apply migrations, then serve every API with uvicorn."""
    import uvicorn

    from bookable import demo as demo_data
    from bookable import serving
    from bookable.http_protocol import CoalescingHttpToolsProtocol
    from bookable.observability import logs, tracing
    from bookable.services import housekeeping

    settings = settings_from(ctx, host=host, port=port, workers=workers, access_log=access_log,
                             worker_start_timeout=worker_start_timeout, log_level=log_level, log_format=log_format)
    if settings.tracing and not tracing.available():
        fail(tracing.INSTALL_HINT)
    logs.configure(settings.log_level, settings.log_format)
    database = database_from(ctx, migrate=False)
    logging.getLogger("bookable").info("%s in %s", upgrade(database).describe(), _shown(database.url))
    if demo:
        _print_demo(demo_data.load(database), base_url=f"http://{_browsable(settings.host)}:{settings.port}")
    housekeeping.roll_all_horizons(database)  # once here, so workers start with nothing to add
    database.dispose()
    with _metrics_folder(settings), _delivery_worker(settings):
        serving.serve(uvicorn.Config(
            APP_FACTORY, factory=True, host=settings.host, port=settings.port, workers=settings.workers,
            loop="auto", http=CoalescingHttpToolsProtocol, log_config=None, log_level=settings.log_level,
            access_log=False,
            proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
            timeout_worker_healthcheck=settings.worker_start_timeout))


@contextmanager
def _delivery_worker(settings: Settings) -> Iterator[None]:
    """One delivery worker beside the HTTP workers, in this process (docs/notifications.md); none
    when `delivery_worker` is off (`bookable worker` runs elsewhere)."""
    if not settings.delivery_worker:
        yield
        return
    from bookable.notifications.running import WorkerThread, worker_for

    database = Database(settings.database_url)
    thread = WorkerThread(worker_for(database, settings)).start()
    try:
        yield
    finally:
        thread.stop()
        database.dispose()


@app.command("worker")
def worker_command(
    ctx: typer.Context,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning or error [default: info].")] = None,
    log_format: Annotated[str | None, typer.Option(help="auto, console, keyvalue or json [default: auto].")] = None,
) -> None:
    """Run the delivery worker alone (webhooks, email, reminders) until interrupted; run `serve`
    with BOOKABLE_DELIVERY_WORKER=false then. Several may run side by side on PostgreSQL."""
    import asyncio
    import signal
    import threading

    from bookable.notifications.running import worker_for
    from bookable.observability import logs

    settings = settings_from(ctx, log_level=log_level, log_format=log_format)
    logs.configure(settings.log_level, settings.log_format)
    database = database_from(ctx)
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    asyncio.run(worker_for(database, settings).run(stop))


@contextmanager
def _metrics_folder(settings: Settings) -> Iterator[None]:
    """prometheus-client's multiprocess folder, emptied before the workers start (observability.metrics)."""
    made = not settings.metrics_dir
    folder = Path(settings.metrics_dir or tempfile.mkdtemp(prefix="bookable-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[METRICS_DIR_ENV] = str(folder)
    try:
        yield
    finally:
        if made:
            shutil.rmtree(folder, ignore_errors=True)


@tenant_app.command("add")
def tenant_add(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Lower-case letters, digits and dashes; BRP paths use it.")],
    name: Annotated[str | None, typer.Option(help="Display name (defaults to the slug).")] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Stockholm.")] = "Europe/London",
    client_id: Annotated[int | None, typer.Option(help="Numeric ClientID for the YourMembership API.")] = None,
    currency: Annotated[str, typer.Option(help="ISO 4217 currency code.")] = "GBP",
) -> None:
    """Create a tenant."""
    with global_unit_of_work(database_from(ctx)) as uow:
        tenant = accounts.add_tenant(uow, slug, name=name, timezone=timezone, client_id=client_id,
                                     currency=currency)
    client = f", ClientID {tenant.client_id}" if tenant.client_id is not None else ""
    typer.echo(f"Created tenant {tenant.slug} (id {tenant.id}, {tenant.timezone}, {tenant.currency}{client}).")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name, unique across all tenants.")],
    tenant: Annotated[str, typer.Option("--tenant", help="Slug of the tenant the user works for.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="At least 8 characters (prompted for if left out).")],
    role: Annotated[StaffRole, typer.Option(help="admin or staff.")] = StaffRole.staff,
) -> None:
    """Create a staff user who logs in with HTTP Basic."""
    with global_unit_of_work(database_from(ctx)) as uow:
        user = accounts.add_user(uow, tenant_by_slug(uow, tenant), username, password, Role(role.value))
    typer.echo(f"Created {user.role} user {user.username} for tenant {tenant}.")


@apikey_app.command("add")
def apikey_add(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Option("--tenant", help="Slug of the tenant the key belongs to.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. the integration's name.")] = "default",
    role: Annotated[StaffRole, typer.Option(help="admin or staff.")] = StaffRole.admin,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    with global_unit_of_work(database_from(ctx)) as uow:
        _, key = accounts.add_api_key(uow, tenant_by_slug(uow, tenant), name, Role(role.value))
    typer.echo(f"API key {name!r} for tenant {tenant} (shown once, store it now):", err=True)
    typer.echo(key)


@tenant_app.command("list")
def tenant_list(ctx: typer.Context) -> None:
    """List tenants and their settings."""
    with global_unit_of_work(database_from(ctx)) as uow:
        rows = [(t.id, t.slug, t.name, t.timezone, t.currency, t.client_id or "") for t in uow.tenants.all()]
    _print_table(("id", "slug", "name", "timezone", "currency", "client id"), rows)


@tenant_app.command("set")
def tenant_set(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The tenant to change.")],
    changes: Annotated[list[str], typer.Argument(
        help=f"SETTING=VALUE pairs; settings: {', '.join(tenants.SETTINGS)}.", metavar="SETTING=VALUE...")],
) -> None:
    """Change a tenant's settings, e.g. `bookable tenant set riverside timezone=Europe/Dublin currency=EUR
    max_upcoming_bookings=3 cors_origins=https://www.riverside.org`."""
    pairs = dict(_setting_pair(change) for change in changes)
    with global_unit_of_work(database_from(ctx)) as uow:
        tenant = tenant_by_slug(uow, slug)
        changed = tenants.change_settings(uow, accounts.operator(tenant.id), pairs, settable=tuple(tenants.SETTINGS))
    typer.echo(f"Tenant {slug}: " + ", ".join(f"{name} = {value}" for name, value in changed.items()) + ".")


def _setting_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        fail(f"Expected SETTING=VALUE, got {text!r} (settings: {', '.join(tenants.SETTINGS)}).")
    return name.strip(), value


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's users.")] = None,
) -> None:
    """List staff users: tenant, role, and whether they are disabled."""
    with global_unit_of_work(database_from(ctx)) as uow:
        slugs = {t.id: t.slug for t in uow.tenants.all()}
        chosen = tenant_by_slug(uow, tenant) if tenant else None
        rows = [(u.id, u.username, slugs[u.tenant_id], u.role, "disabled" if u.disabled else "active",
                 f"{u.created_at:%Y-%m-%d}") for u in accounts.users(uow, chosen)]
    _print_table(("id", "username", "tenant", "role", "state", "created"), rows)


@user_app.command("disable")
def user_disable(ctx: typer.Context, username: Annotated[str, typer.Argument(help="The login to refuse.")]) -> None:
    """Refuse a user's logins from now on, in every worker (within about a second)."""
    with global_unit_of_work(database_from(ctx)) as uow:
        accounts.set_user_disabled(uow, username, True)
    typer.echo(f"Disabled user {username}.")


@user_app.command("enable")
def user_enable(ctx: typer.Context, username: Annotated[str, typer.Argument(help="The login to accept.")]) -> None:
    """Accept a disabled user's logins again."""
    with global_unit_of_work(database_from(ctx)) as uow:
        accounts.set_user_disabled(uow, username, False)
    typer.echo(f"Enabled user {username}.")


@user_app.command("reset-password")
def user_reset_password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The user whose password changes.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="At least 8 characters (prompted for if left out).")],
) -> None:
    """Set a new password; the old one is refused from now on, in every worker."""
    with global_unit_of_work(database_from(ctx)) as uow:
        accounts.reset_password(uow, username, password)
    typer.echo(f"New password set for {username}.")


@apikey_app.command("list")
def apikey_list(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's keys.")] = None,
) -> None:
    """List API keys (never the keys themselves: only their hashes are stored)."""
    with global_unit_of_work(database_from(ctx)) as uow:
        slugs = {t.id: t.slug for t in uow.tenants.all()}
        chosen = tenant_by_slug(uow, tenant) if tenant else None
        rows = [(k.id, k.name, slugs[k.tenant_id], k.role, f"{k.created_at:%Y-%m-%d}",
                 f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active")
                for k in accounts.api_keys(uow, chosen)]
    _print_table(("id", "name", "tenant", "role", "created", "state"), rows)


@apikey_app.command("revoke")
def apikey_revoke(
    ctx: typer.Context, key_id: Annotated[int, typer.Argument(help="The key's id, from `bookable apikey list`.")],
) -> None:
    """Refuse an API key from now on, in every worker (within about a second)."""
    with global_unit_of_work(database_from(ctx)) as uow:
        key = accounts.revoke_api_key(uow, key_id)
        name = key.name
    typer.echo(f"Revoked API key {key_id} ({name}).")


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="File to write the copy to.", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Copy the SQLite database while it serves: one consistent snapshot, checked (PostgreSQL: pg_dump)."""
    from bookable.storage import backup

    copied = backup.backup(database_from(ctx, migrate=False), path, overwrite=force)
    typer.echo(f"Backed up to {copied.path} ({copied.bytes:,} bytes, {copied.bookings:,} bookings; "
               "integrity check ok).")


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A file written by `bookable backup`.", show_default=False)],
    yes: Annotated[bool, typer.Option("--yes", help="Replace a database that holds data.")] = False,
) -> None:
    """Replace the SQLite database's content with a backup's, then bring its schema up to date."""
    from bookable.storage import backup

    database = database_from(ctx, migrate=False)
    if backup.holds_data(database) and not yes:
        fail(f"{_shown(database.url)} holds data that the restore would replace: add --yes to go ahead.")
    copied = backup.restore(database, path)
    change = upgrade(database)
    typer.echo(f"Restored {copied.path} ({copied.bookings:,} bookings) into {_shown(database.url)}; "
               f"{change.describe().lower()}.")


@app.command("check")
def check_command(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's slots (default: all).")] = None,
    repair: Annotated[bool, typer.Option("--repair", help="Set the counters that differ from the bookings.")] = False,
) -> None:
    """Check that every slot's counters (places held and waiting, and the last queue number, kept
    on the slot's row) agree with its bookings; exit 1 if some differ and were not repaired."""
    from bookable.services.consistency import KEPT, check_slot_counters

    with global_unit_of_work(database_from(ctx)) as uow:
        tenant_id = tenant_by_slug(uow, tenant).id if tenant is not None else None
        checked = check_slot_counters(uow, tenant_id, repair=repair)
    if not checked.mismatches:
        typer.echo(f"Checked {checked.slots:,} slot(s): every counter agrees with its bookings.")
        return
    typer.echo(f"Checked {checked.slots:,} slot(s): {len(checked.mismatches):,} differ from their bookings "
               "(stored -> counted):")
    _print_table(["slot", "tenant", *KEPT], [
        [found.slot_id, found.tenant_id, *(f"{stored} -> {counted}" if stored != counted else str(stored)
                                           for stored, counted in zip(found.stored, found.counted, strict=True))]
        for found in checked.mismatches])
    if not repair:
        fail("Counters differ from the bookings: run `bookable check --repair` to set them from the bookings.")
    typer.echo(f"Repaired {checked.repaired:,} slot(s): their counters now agree with their bookings.")


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    texts = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in texts) for i in range(len(headers))]
    for row in texts:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@app.command("demo")
def demo_command(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option(
        "--tenant", help="Load only this demo tenant (gym-demo, charity-demo or courses-demo).")] = None,
) -> None:
    """Load realistic demo tenants (safe to run again) and print how to log in."""
    from bookable import demo as demo_data

    if tenant is not None and tenant not in demo_data.SLUGS:
        fail(f"Unknown demo tenant {tenant!r}: choose one of {', '.join(demo_data.SLUGS)}.")
    _print_demo(demo_data.load(database_from(ctx), only=tenant))


def _print_demo(summaries: list[DemoTenant], base_url: str = "http://127.0.0.1:8000") -> None:
    for summary in summaries:
        typer.echo(summary.describe(base_url))


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _browsable(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


GLOBAL_OPTIONS = ("--database", "--config")


def global_options_first(args: Sequence[str]) -> list[str]:
    """--database and --config moved before the subcommand, wherever they were given, so that
    `bookable init --database URL` works as `bookable --database URL init` does."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg.split("=", 1)[0] in GLOBAL_OPTIONS:
            taken = 1 if "=" in arg else 2
            front += args[index:index + taken]
            index += taken
            continue
        rest.append(arg)
        index += 1
    return front + rest


def main() -> None:
    """Console-script entry point: expected errors become one line on stderr and exit status 1."""
    try:
        app(args=global_options_first(sys.argv[1:]), prog_name="bookable")
    except (CommandFailed, UpgradeRefused) as error:
        _exit_with(str(error))
    except DomainError as error:
        _exit_with(error.message)
    except SQLAlchemyError as error:
        _exit_with(f"database error: {error.__class__.__name__}: {_first_line(error)}")


def _first_line(error: BaseException) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]


def _exit_with(message: str) -> NoReturn:
    typer.echo(f"bookable: error: {message}", err=True)
    sys.exit(1)


if __name__ == "__main__":
    main()
