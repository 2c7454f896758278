"""The admins' webhook endpoint pages (`/{tenant}/staff/admin/webhooks`): list, add (the signing
secret shown once), enable or disable, delete (after a confirmation), and an endpoint's delivery log
with a redeliver button. The changes are notifications.webhook_endpoints', as the native API's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import DomainError, InvalidState, ValidationError
from bookable.domain.events import event_types
from bookable.notifications import webhook_endpoints as endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.settings import Settings
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm, Posted, one_time_token, posted
from bookable.web.rendering import N_
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.pages import done_once, messages, staff_page

LOG_SHOWN = 50
FORM_FIELDS = 100
"""The add form has a checkbox per event type (58), besides the URL and its tokens."""

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Bookings"), ("booking.",)),
    (N_("Payments"), ("ledger.",)),
    (N_("Classes and attendance"), ("slot.", "attendance.")),
    (N_("Offerings and catalogue"), ("offering.", "registration.", "business_unit.", "resource.", "product")),
    (N_("People"), ("person.",)),
    (N_("Administration"), ("tenant.", "user.", "apikey.", "calendar_feed.", "webhook.")),
)


def grouped_types() -> list[tuple[str, list[str]]]:
    """Every event type under the first group whose prefix it has (any left over under the last)."""
    types = [str(kind) for kind in event_types()]
    groups: list[tuple[str, list[str]]] = [(label, []) for label, _ in GROUPS]
    for kind in types:
        index = next((i for i, (_, prefixes) in enumerate(GROUPS) if kind.startswith(prefixes)), len(GROUPS) - 1)
        groups[index][1].append(kind)
    return groups


def policy_of(request: Request) -> AddressPolicy:
    settings = getattr(request.app.state, "settings", None) or Settings()
    return AddressPolicy.from_settings(settings)


def _error_code(error: DomainError) -> str:
    if isinstance(error, ValidationError) and error.field in ("url", "event_types"):
        return f"bad_webhook_{error.field}"
    if isinstance(error, InvalidState):
        return "webhook_not_now"
    return error.code


async def _act(request: Request, staff: Staff, back: str, work: Callable[[UnitOfWork, Posted], str]) -> Response:
    try:
        form = await posted(request, staff.visit.session)
        token = form.one_time_token()
    except BadForm as bad:
        return staff.visit.redirect(staff.url(back, error=bad.code))
    return await done_once(staff, token, lambda uow: work(uow, form), functools.partial(staff.url, back), _error_code)


async def _list(staff: Staff) -> list[tuple[Any, ...]]:
    return await engine.read(staff.database, staff.visit.site.id, lambda uow: [
        (e.id, e.url, list(e.event_types), e.enabled, e.disabled_reason) for e in endpoints.all_of(uow)])


def _list_page(staff: Staff, request: Request, listed: list[tuple[Any, ...]], **shown: Any) -> Response:
    context = {"new_secret": None, **messages(staff, request), **shown}
    return staff.page("staff/webhooks.html", endpoints=listed, groups=grouped_types(), token=one_time_token,
                      **context)


@router.get("/{tenant}/staff/admin/webhooks")
@staff_page
async def webhooks_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    return _list_page(staff, request, await _list(staff))


@router.post("/{tenant}/staff/admin/webhooks")
@staff_page
async def add_webhook(request: Request, tenant: str) -> Response:
    """The new endpoint's secret is shown on the page this post answers, once (never in a URL)."""
    staff = await begin_staff(request, tenant, admin=True)
    addresses = policy_of(request)
    try:
        form = await posted(request, staff.visit.session, max_fields=FORM_FIELDS)
        token, url = form.one_time_token(), form.bounded("url", 2000).strip()
        chosen = [kind for kind in map(str, event_types()) if form.text(f"event:{kind}") == "1"]
        enabled = form.text("enabled") == "1"
        await run_in_threadpool(endpoints.screen, addresses, url)
        secret = await engine.act(staff.database, staff.visit.site.id, staff.user_id, token, lambda uow: (
            endpoints.create(uow, staff.actor, addresses, url, chosen, enabled).secret))
    except engine.Replayed:
        return staff.visit.redirect(staff.url("admin/webhooks", done="again"))
    except BadForm as bad:
        return staff.visit.redirect(staff.url("admin/webhooks", error=bad.code))
    except DomainError as error:
        return staff.visit.redirect(staff.url("admin/webhooks", error=_error_code(error)))
    done = staff.visit._("The endpoint is added. Its signing secret is shown below, this once: copy it now.")
    return _list_page(staff, request, await _list(staff), new_secret=secret, done=done, error=None)


def _endpoint_view(uow: UnitOfWork, endpoint_id: int, before: int | None) -> dict[str, Any]:
    """The endpoint and a page of its delivery log, newest first: those older than delivery `before`."""
    endpoint = endpoints.get(uow, endpoint_id)
    log = endpoints.delivery_log(uow, endpoint_id, before, LOG_SHOWN + 1)
    older = log[LOG_SHOWN - 1].id if len(log) > LOG_SHOWN else None
    log = log[:LOG_SHOWN]
    return {"older": older, "newest_shown": before is None,
            "id": endpoint.id, "url": endpoint.url, "event_types": list(endpoint.event_types),
            "enabled": endpoint.enabled, "disabled_reason": endpoint.disabled_reason,
            "deliveries": [{"id": row.id, "type": str((row.payload or {}).get("type", "")), "status": row.status,
                            "code": row.last_status_code, "attempts": row.attempts, "detail": row.last_detail,
                            "last_attempt_at": row.last_attempt_at, "created_at": row.created_at}
                           for row in log]}


def _delivery_id(text: str | None) -> int | None:
    """A delivery id from the query; anything else shows the newest deliveries."""
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 19 else None


@router.get("/{tenant}/staff/admin/webhooks/{endpoint_id}")
@staff_page
async def webhook_page(request: Request, tenant: str, endpoint_id: int) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    before = _delivery_id(request.query_params.get("before"))
    shown = await engine.read(staff.database, staff.visit.site.id,
                              lambda uow: _endpoint_view(uow, endpoint_id, before))
    return staff.page("staff/webhook.html", endpoint=shown, token=one_time_token, **messages(staff, request))


@router.post("/{tenant}/staff/admin/webhooks/{endpoint_id}/enabled")
@staff_page
async def enable_webhook(request: Request, tenant: str, endpoint_id: int) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    addresses = policy_of(request)

    def work(uow: UnitOfWork, form: Posted) -> str:
        change = form.text("change")
        if change not in ("enable", "disable"):
            raise BadForm("invalid_parameter")
        endpoints.update(uow, staff.actor, addresses, endpoint_id, {"enabled": change == "enable"})
        return f"webhook_{change}"

    return await _act(request, staff, f"admin/webhooks/{endpoint_id}", work)


@router.post("/{tenant}/staff/admin/webhooks/{endpoint_id}/delete")
@staff_page
async def delete_webhook(request: Request, tenant: str, endpoint_id: int) -> Response:
    """Asks first (the confirmation page posts again with confirmed=1): nothing more is sent to a deleted endpoint."""
    staff = await begin_staff(request, tenant, admin=True)
    try:
        form = await posted(request, staff.visit.session)
    except BadForm as bad:
        return staff.visit.redirect(staff.url(f"admin/webhooks/{endpoint_id}", error=bad.code))
    if form.text("confirmed") != "1":
        url = await engine.read(staff.database, staff.visit.site.id, lambda uow: endpoints.get(uow, endpoint_id).url)
        return staff.page("staff/webhook_confirm.html", endpoint_id=endpoint_id, endpoint_url=url,
                          fields=dict(form.fields))

    def work(uow: UnitOfWork, _: Posted) -> str:
        endpoints.delete(uow, staff.actor, endpoint_id)
        return "webhook_deleted"

    try:
        await engine.act(staff.database, staff.visit.site.id, staff.user_id, form.one_time_token(),
                         lambda uow: work(uow, form))
    except engine.Replayed:
        return staff.visit.redirect(staff.url("admin/webhooks", done="again"))
    except BadForm as bad:
        return staff.visit.redirect(staff.url("admin/webhooks", error=bad.code))
    return staff.visit.redirect(staff.url("admin/webhooks", done="webhook_deleted"))


@router.post("/{tenant}/staff/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver")
@staff_page
async def redeliver(request: Request, tenant: str, endpoint_id: int, delivery_id: int) -> Response:
    staff = await begin_staff(request, tenant, admin=True)
    settings = getattr(request.app.state, "settings", None) or Settings()
    window = timedelta(seconds=settings.delivery_give_up_after_seconds)

    def work(uow: UnitOfWork, _: Posted) -> str:
        endpoints.redeliver(uow, endpoint_id, delivery_id, window)
        return "redelivering"

    return await _act(request, staff, f"admin/webhooks/{endpoint_id}", work)
