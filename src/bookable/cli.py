"""The `bookable` command: schema, server, tenants, users, API keys and demo data.

Every command takes the database from `--database`, else BOOKABLE_DATABASE_URL, else
`sqlite:///bookable.db` in the working directory. Commands that touch data bring the schema up to
date first, so a fresh machine needs no separate `init`. Expected failures (unknown tenant,
duplicate slug, bad time zone, unreachable database) print one line to stderr and exit 1.

New subcommands (e.g. `bookable bench`) register on `app` below with `app.command()` or
`app.add_typer()`; `database_from(ctx)` gives them the selected database.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError

from bookable.domain.actors import Role
from bookable.domain.errors import DomainError
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage.database import Database, database_url
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bookable.demo import DemoTenant

APP_FACTORY = "bookable.api.app:app_from_environment"
DATABASE_ENV = "BOOKABLE_DATABASE_URL"

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


class StaffRole(StrEnum):
    admin = "admin"
    staff = "staff"


class CommandFailed(Exception):
    """An expected failure: shown as one line, no traceback."""


def fail(message: str) -> NoReturn:
    raise CommandFailed(message)


@app.callback()
def choose_database(
    ctx: typer.Context,
    database: Annotated[str | None, typer.Option(
        "--database", envvar=DATABASE_ENV, show_envvar=True,
        help="SQLAlchemy URL, e.g. sqlite:///bookable.db or postgresql+psycopg://user@host/db.",
    )] = None,
) -> None:
    ctx.obj = database_url(database)


def database_from(ctx: typer.Context, *, migrate: bool = True) -> Database:
    """The selected database, with its schema brought up to date (idempotent)."""
    database = Database(ctx.find_root().obj)
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
    database_from(ctx)
    typer.echo(f"Schema is up to date in {_shown(ctx.find_root().obj)}.")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (SQLite WAL and PostgreSQL).")] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo tenants first if they are missing.")] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request (off for benchmarks).")] = True,
    worker_start_timeout: Annotated[
        int, typer.Option(min=1, help="Seconds a worker may take to start before it is replaced.")
    ] = 60,
) -> None:
    """Apply migrations, then serve every API with uvicorn."""
    import uvicorn

    from bookable import demo as demo_data
    from bookable import serving
    from bookable.services import housekeeping

    database = database_from(ctx)
    if demo:
        _print_demo(demo_data.load(database), base_url=f"http://{_browsable(host)}:{port}")
    housekeeping.roll_all_horizons(database)  # once here, so workers start with nothing to add
    database.dispose()
    os.environ[DATABASE_ENV] = database.url
    serving.serve(uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, workers=workers, loop="auto",
                                 http="auto", access_log=access_log, timeout_worker_healthcheck=worker_start_timeout))


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
                                     currency=currency.upper())
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


def main() -> None:
    """Console-script entry point: expected errors become one line on stderr and exit status 1."""
    try:
        app()
    except CommandFailed as error:
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
