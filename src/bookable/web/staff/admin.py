"""Pages for a tenant's admins only (`/{tenant}/staff/admin/...`; a staff user gets the 403 page):
staff users (add, role, disable, reset password), API keys (made and shown once, listed, revoked:
every API refuses a revoked key at once), the tenant's settings, and the audit log with filters.
The changes are services.accounts' and services.tenants', as the CLI's and the native API's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.api.auth import authenticator
from bookable.domain.actors import Channel, Role
from bookable.domain.errors import DomainError, ValidationError
from bookable.domain.localtime import to_utc
from bookable.services import accounts, tenants
from bookable.storage.queries import staff as staff_reads
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm, Posted, one_time_token, posted
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.pages import done_once, messages, staff_page

ROLES = (Role.STAFF.value, Role.ADMIN.value)


def _role(form: Posted) -> Role:
    text = form.text("role")
    if text not in ROLES:
        raise BadForm("invalid_parameter")
    return Role(text)


async def _act(request: Request, staff: Staff, back: str, work: Callable[[UnitOfWork, Posted], str]) -> Response:
    """Post a form (CSRF, one-time token), do it once, and go back to `back` with its message. A
    credential changed is forgotten by this worker's credential cache at once (the others see the
    change counted within a second: api.credential_watch)."""
    try:
        form = await posted(request, staff.visit.session)
        token = form.one_time_token()
    except BadForm as bad:
        return staff.visit.redirect(staff.url(back, error=bad.code))
    answer = await done_once(staff, token, lambda uow: work(uow, form), functools.partial(staff.url, back),
                             admin_error)
    authenticator(request).cache.expire_all()
    return answer


def admin_error(error: DomainError) -> str:
    if isinstance(error, ValidationError) and error.field == "password":
        return "bad_password"
    if isinstance(error, ValidationError) and error.field == "username":
        return "bad_username"
    if isinstance(error, ValidationError) and error.field == "language":
        return "bad_language_setting"
    if isinstance(error, ValidationError) and error.field in tenants.SETTINGS:
        return f"bad_{error.field}"
    return error.code


# ---------------------------------------------------------------- users


@router.get("/{tenant}/staff/admin/users")
@staff_page
async def users_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    tenant_id = staff.visit.site.id
    users = await engine.read(staff.database, tenant_id, lambda uow: [
        (u.id, u.username, u.role, u.disabled) for u in uow.tenants.users(tenant_id)])
    return staff.page("staff/users.html", users=users, roles=ROLES, token=one_time_token, **messages(staff, request))


@router.post("/{tenant}/staff/admin/users")
@staff_page
async def add_user(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant, admin=True)

    def work(uow: UnitOfWork, form: Posted) -> str:
        accounts.admin_add_user(uow, staff.actor, form.bounded("username", 200).strip(),
                                form.bounded("password", 200), _role(form))
        return "user_added"

    return await _act(request, staff, "admin/users", work)


@router.post("/{tenant}/staff/admin/users/{user_id}")
@staff_page
async def change_user(request: Request, tenant: str, user_id: int) -> Response:
    staff = await begin_staff(request, tenant, admin=True)

    def work(uow: UnitOfWork, form: Posted) -> str:
        change = form.text("change")
        if change == "role":
            accounts.admin_change_user(uow, staff.actor, user_id, role=_role(form))
        elif change in ("disable", "enable"):
            accounts.admin_change_user(uow, staff.actor, user_id, disabled=change == "disable")
        elif change == "password":
            accounts.admin_change_user(uow, staff.actor, user_id, password=form.bounded("password", 200))
        else:
            raise BadForm("invalid_parameter")
        return f"user_{change}"

    return await _act(request, staff, "admin/users", work)


# ---------------------------------------------------------------- API keys


async def _keys(staff: Staff) -> list[tuple[Any, ...]]:
    tenant_id = staff.visit.site.id
    return await engine.read(staff.database, tenant_id, lambda uow: [
        (k.id, k.name, k.role, k.created_at, k.revoked_at) for k in uow.tenants.api_keys(tenant_id)])


@router.get("/{tenant}/staff/admin/keys")
@staff_page
async def keys_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    return staff.page("staff/keys.html", keys=await _keys(staff), roles=ROLES, token=one_time_token, new_key=None,
                      **messages(staff, request))


@router.post("/{tenant}/staff/admin/keys")
@staff_page
async def create_key(request: Request, tenant: str) -> Response:
    """The new key is shown on the page this post answers, once: it is never stored, nor put in a URL."""
    staff = await begin_staff(request, tenant, admin=True)
    try:
        form = await posted(request, staff.visit.session)
        token, name, role = form.one_time_token(), form.bounded("name", 100), _role(form)
        key = await engine.act(staff.database, staff.visit.site.id, staff.user_id, token,
                               lambda uow: accounts.admin_add_api_key(uow, staff.actor, name, role)[1])
    except engine.Replayed:
        return staff.visit.redirect(staff.url("admin/keys", done="again"))
    except BadForm as bad:
        return staff.visit.redirect(staff.url("admin/keys", error=bad.code))
    except DomainError as error:
        return staff.visit.redirect(staff.url("admin/keys", error=admin_error(error)))
    return staff.page("staff/keys.html", keys=await _keys(staff), roles=ROLES, token=one_time_token, new_key=key,
                      done=staff.visit._("The new key is shown below, this once: copy it now."), error=None)


@router.post("/{tenant}/staff/admin/keys/{key_id}/revoke")
@staff_page
async def revoke_key(request: Request, tenant: str, key_id: int) -> Response:
    staff = await begin_staff(request, tenant, admin=True)

    def work(uow: UnitOfWork, form: Posted) -> str:
        accounts.admin_revoke_api_key(uow, staff.actor, key_id)
        return "key_revoked"

    return await _act(request, staff, "admin/keys", work)


# ---------------------------------------------------------------- tenant settings


@router.get("/{tenant}/staff/admin/settings")
@staff_page
async def settings_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    tenant_id = staff.visit.site.id

    def read(uow: UnitOfWork) -> dict[str, str]:
        row = tenants.settings_of(uow, tenant_id)
        return {"name": row.name, "timezone": row.timezone, "currency": row.currency,
                "max_upcoming_bookings": "" if row.max_upcoming_bookings is None else str(row.max_upcoming_bookings),
                "cors_origins": "\n".join(row.cors_origins or []), "language": row.language or ""}

    values = await engine.read(staff.database, tenant_id, read)
    return staff.page("staff/settings.html", values=values, token=one_time_token(), **messages(staff, request))


SETTABLE = tenants.ADMIN_SETTINGS
"""The time zone is shown, not changed here: every class is kept as a UTC instant computed in it, so a
new zone would move every future class on the clock (docs/adr/0022-tenant-time-zone-is-the-operators.md)."""


@router.post("/{tenant}/staff/admin/settings")
@staff_page
async def change_settings(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant, admin=True)

    def work(uow: UnitOfWork, form: Posted) -> str:
        origins = [line.strip() for line in form.bounded("cors_origins", 4000).splitlines() if line.strip()]
        changes: dict[str, object] = {  # checked by the service, as the native API's PATCH /tenant
            "name": form.bounded("name", 200), "currency": form.bounded("currency", 10),
            "max_upcoming_bookings": form.bounded("max_upcoming_bookings", 12), "cors_origins": origins or None,
            "language": form.bounded("language", 8)}
        tenants.change_settings(uow, staff.actor, changes, settable=SETTABLE)
        return "settings_saved"

    response = await _act(request, staff, "admin/settings", work)
    staff.visit.web.forget_site(staff.visit.site.slug)
    return response


# ---------------------------------------------------------------- the audit log


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


@router.get("/{tenant}/staff/admin/audit")
@staff_page
async def audit_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    params, zone, tenant_id = request.query_params, staff.visit.site.timezone, staff.visit.site.id
    since, until = _day(params.get("from")), _day(params.get("to"))
    channel = params.get("channel", "")
    wanted = staff_reads.AuditFilter(
        who=params.get("who", "").strip()[:200], channel=channel if channel in set(Channel) else "",
        what=params.get("what", "").strip()[:64],
        since=to_utc(since, time(0, 0), zone) if since else None,
        before=to_utc(until + timedelta(days=1), time(0, 0), zone) if until else None)
    entries = await engine.read(staff.database, tenant_id,
                                lambda uow: staff_reads.audit_entries(uow.session, tenant_id, wanted))
    return staff.page("staff/audit.html", entries=entries, wanted=wanted, channels=[c.value for c in Channel],
                      since=since, until=until)
