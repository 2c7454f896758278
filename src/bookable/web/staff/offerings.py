"""Creating and editing offerings on the staff pages (`/{tenant}/staff/offerings/new`,
`/{tenant}/staff/offerings/{id}/edit`): one-off events, courses and recurring classes, with every
repeat rule the engine knows (weekly, fortnightly, weekdays, weekends, daily, custom dates, monthly
by day of month, monthly by weekday as the start date's, e.g. its 3rd Tuesday), places, online
places, price and the booking and cancellation windows. services.offerings.create_offering and
update_offering decide, as for the native API's POST and PATCH /offerings."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import DomainError, NotFound
from bookable.domain.localtime import to_local
from bookable.domain.money import parse_price
from bookable.domain.offering import KIND_DEFAULTS, Kind, OfferingSpec
from bookable.domain.recurrence import LocalOccurrence, Repeat
from bookable.services import offerings
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm, Posted, one_time_token, posted
from bookable.web.rendering import N_
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.pages import staff_page

REPEATS = [
    (Repeat.NONE, N_("Once")), (Repeat.WEEKLY, N_("Every week")), (Repeat.FORTNIGHTLY, N_("Every other week")),
    (Repeat.WEEKDAYS, N_("Every weekday (Monday to Friday)")), (Repeat.WEEKENDS, N_("Every Saturday and Sunday")),
    (Repeat.DAILY, N_("Every day")), (Repeat.CUSTOM, N_("On the dates listed below")),
    (Repeat.MONTHLY_BY_DAY, N_("Every month, on the start date's day of the month")),
    (Repeat.MONTHLY_BY_WEEKDAY, N_("Every month, on the start date's weekday (e.g. its 3rd Tuesday)")),
]
KINDS = [(Kind.EVENT, N_("One-off event")), (Kind.COURSE, N_("Course (booked whole)")),
         (Kind.RECURRING, N_("Recurring class (each date booked on its own)"))]
NUMBERS = ("duration", "spaces", "min_cancel")
OPTIONAL_NUMBERS = ("online_spaces", "max_advance")
FIELDS = ("name", "group", "start_date", "start_time", "end_date", "repeat", "custom_dates", "price", *NUMBERS,
          *OPTIONAL_NUMBERS, "venue", "product")
PLACED = ("venue", "product")
"""Where it is held and what it is sold as: the business unit and the product (resources and the
publishing window are kept as they are; the native API sets them)."""


class BadField(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _number(text: str, name: str) -> int:
    if not text.isdigit() or len(text) > 7:
        raise BadField(name)
    return int(text)


def _custom_dates(text: str, duration: int) -> tuple[LocalOccurrence, ...]:
    """One `YYYY-MM-DD HH:MM` a line."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            day, at = line.split()
            found.append(LocalOccurrence(date.fromisoformat(day), time.fromisoformat(at).replace(second=0), duration))
        except ValueError:
            raise BadField("custom_dates") from None
    return tuple(found)


def spec_values(values: dict[str, str]) -> tuple[dict[str, Any], tuple[LocalOccurrence, ...]]:
    """The form's text as OfferingSpec values (checked as a whole by the service), and custom dates."""
    out: dict[str, Any] = {"name": values["name"].strip(), "group": values["group"].strip()}
    for name in PLACED:
        out[name] = _number(values[name], name) if values[name] else None
    for name in ("start_date", "end_date"):
        try:
            out[name] = date.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            raise BadField(name) from None
    try:
        out["start_time"] = time.fromisoformat(values["start_time"]).replace(second=0)
    except ValueError:
        raise BadField("start_time") from None
    for name in NUMBERS:
        out[name] = _number(values[name].strip(), name)
    for name in OPTIONAL_NUMBERS:
        out[name] = _number(values[name].strip(), name) if values[name].strip() else None
    try:
        out["repeat"] = Repeat(int(values["repeat"]))
        out["price"] = parse_price(values["price"].strip(), "price") if values["price"].strip() else None
    except (ValueError, DomainError):
        raise BadField("price" if values["repeat"].isdigit() else "repeat") from None
    custom = _custom_dates(values["custom_dates"], out["duration"])
    if out["start_date"] is None:
        if not custom:
            raise BadField("start_date")
        out["start_date"] = min(o.date for o in custom)
    return out, custom


def form_values(form: Posted) -> dict[str, str]:
    return {name: form.bounded(name, 4000 if name == "custom_dates" else 200) for name in FIELDS}


def defaults(kind: Kind, today: date) -> dict[str, str]:
    kind_defaults = KIND_DEFAULTS[kind]
    return {"name": "", "group": "", "start_date": today.isoformat(), "start_time": "18:00", "end_date": "",
            "repeat": str(int(Repeat.WEEKLY if kind is Kind.RECURRING else Repeat.NONE)), "custom_dates": "",
            "price": "", "duration": str(kind_defaults.duration), "spaces": "10",
            "min_cancel": str(kind_defaults.min_cancel), "online_spaces": "",
            "max_advance": str(kind_defaults.max_advance) if kind_defaults.max_advance is not None else "",
            "venue": "", "product": ""}


def values_of(offering: Any, spec: OfferingSpec, slots: list[Any]) -> dict[str, str]:
    custom = "\n".join(f"{s.local_date.isoformat()} {s.local_time.strftime('%H:%M')}" for s in slots) \
        if spec.repeat is Repeat.CUSTOM else ""

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {"name": spec.name, "group": spec.group, "start_date": spec.start_date.isoformat(),
            "start_time": spec.start_time.strftime("%H:%M"),
            "end_date": spec.end_date.isoformat() if spec.end_date else "",
            "repeat": str(int(spec.repeat)), "custom_dates": custom, "price": text(spec.price),
            "duration": str(spec.duration), "spaces": str(spec.spaces), "min_cancel": str(spec.min_cancel),
            "online_spaces": text(spec.online_spaces), "max_advance": text(spec.max_advance),
            "venue": text(offering.business_unit_id), "product": text(offering.product_id)}


def _kind(text: str | None) -> Kind:
    try:
        return Kind(text or "recurring")
    except ValueError:
        return Kind.RECURRING


async def _form(staff: Staff, kind: Kind, values: dict[str, str], offering_id: int | None = None,
                error: str | None = None, status: int = 200) -> Response:
    choices = await staff.visit.web.filter_choices(staff.visit.site.id)
    return staff.visit.page("staff/offering_form.html", status=status, staff=staff, kind=kind, kinds=KINDS,
                            venues=choices.business_units, products=choices.products,
                            repeats=[(int(r), label) for r, label in REPEATS], values=values,
                            offering_id=offering_id, token=one_time_token(), error=error, done=None)


def _field_error(staff: Staff, name: str) -> str:
    return staff.visit._("Please check this field: %(field)s.", field=staff.visit._(LABELS.get(name, name)))


LABELS = {"name": N_("Name"), "group": N_("Type of class"), "start_date": N_("First date"),
          "start_time": N_("Time"), "end_date": N_("Last date"), "repeat": N_("Repeats"),
          "custom_dates": N_("Dates"), "price": N_("Price"), "duration": N_("Minutes"), "spaces": N_("Places"),
          "min_cancel": N_("Cancellation closes, days before"), "online_spaces": N_("Places bookable online"),
          "max_advance": N_("Booking opens, days before"), "venue": N_("Venue"), "product": N_("Product"),
          "business_unit_id": N_("Venue"), "product_id": N_("Product")}


@router.get("/{tenant}/staff/offerings/new")
@staff_page
async def new_offering_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    kind = _kind(request.query_params.get("kind"))
    return await _form(staff, kind, defaults(kind, to_local(staff.visit.now, staff.visit.site.timezone).date()))


@router.post("/{tenant}/staff/offerings/new")
@staff_page
async def create(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    return await _save(request, staff, None)


@router.get("/{tenant}/staff/offerings/{offering_id}/edit")
@staff_page
async def edit_offering_page(request: Request, tenant: str, offering_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def read(uow: UnitOfWork) -> tuple[Kind, dict[str, str]]:
        offering = offerings.get_offering(uow, _id(offering_id))
        return Kind(offering.kind), values_of(offering, offerings.spec_of(offering),
                                              uow.offerings.slots_of(offering.id))

    kind, values = await engine.read(staff.database, staff.visit.site.id, read)
    return await _form(staff, kind, values, offering_id)


@router.post("/{tenant}/staff/offerings/{offering_id}/edit")
@staff_page
async def update(request: Request, tenant: str, offering_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    return await _save(request, staff, _id(offering_id))


def _id(offering_id: int) -> int:
    if not 0 < offering_id < 2**31:
        raise NotFound("No such offering.")
    return offering_id


async def _save(request: Request, staff: Staff, offering_id: int | None) -> Response:
    kind, values = Kind.RECURRING, {name: "" for name in FIELDS}
    try:
        form = await posted(request, staff.visit.session)
        kind, values, token = _kind(form.text("kind")), form_values(form), form.one_time_token()
        spec, custom = spec_values(values)
    except BadForm as bad:
        return await _form(staff, kind, values, offering_id, staff.visit._(ERROR), status=400) if bad.code != \
            "form_expired" else staff.visit.redirect(staff.url("", error=bad.code))
    except BadField as bad:
        return await _form(staff, kind, values, offering_id, _field_error(staff, bad.name), status=400)

    venue, product = spec.pop("venue"), spec.pop("product")

    def work(uow: UnitOfWork) -> int:
        if offering_id is None:
            defaults_of_kind = KIND_DEFAULTS[kind]
            end = spec["end_date"] or (spec["start_date"] if defaults_of_kind.end_date_is_start and not custom
                                       else None)
            new = OfferingSpec(kind=kind, custom_slots=custom, **{**spec, "end_date": end})
            placement = offerings.Placement(product_id=product, business_unit_id=venue)
            return offerings.create_offering(uow, staff.actor, new, placement).id
        current = offerings.get_offering(uow, offering_id)
        placement = offerings.Placement(product, venue, tuple(r.id for r in current.resources),
                                        current.publish_start, current.publish_end)
        return offerings.update_offering(uow, staff.actor, offering_id, dict(spec), placement=placement,
                                         custom_slots=custom if spec["repeat"] is Repeat.CUSTOM and custom else None).id

    try:
        saved = await engine.act(staff.database, staff.visit.site.id, staff.user_id, token, work)
    except engine.Replayed:
        return staff.visit.redirect(staff.url("", done="again"))
    except NotFound:
        raise
    except DomainError as error:
        return await _form(staff, kind, values, offering_id, _field_error(staff, error.field or "name"), status=400)
    return staff.visit.redirect(staff.url("", day=spec["start_date"].isoformat(), view="week",
                                          done="offering_saved", offering=saved))


ERROR = N_("Something in the form was not right. Please try again.")
