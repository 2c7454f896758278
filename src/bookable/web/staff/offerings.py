"""Creating and editing offerings on the staff pages (`/{tenant}/staff/offerings/new`,
`/{tenant}/staff/offerings/{id}/edit`): one-off events, courses and recurring classes, with every
repeat rule the engine knows (weekly, fortnightly, weekdays, weekends, daily, custom dates, monthly
by day of month, monthly by weekday as the start date's, e.g. its 3rd Tuesday), places, online
places, price, the booking and cancellation windows, venue, product, resources (instructors, rooms)
and the publishing window. services.offerings.create_offering and
update_offering decide, as for the native API's POST and PATCH /offerings."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import DomainError, NotFound
from bookable.domain.localtime import to_local, to_utc
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
PUBLISHING = ("publish_start", "publish_end")
"""When the offering shows on the members' timetable: tenant-local `YYYY-MM-DDTHH:MM` (empty: open)."""
FIELDS = ("name", "group", "start_date", "start_time", "end_date", "repeat", "custom_dates", "price", *NUMBERS,
          *OPTIONAL_NUMBERS, "venue", "product", *PUBLISHING)
PLACED = ("venue", "product")
"""Where it is held and what it is sold as: the business unit and the product."""
RESOURCE_FIELD = "resource:"
"""One checkbox a resource (`resource:{id}=1`): values["resources"] keeps the chosen ids, comma-separated."""
PLACEMENT_IDS = ("resource_ids", "product_id", "business_unit_id")
"""A chosen resource, product or venue that is gone (or another tenant's): named on the form."""
FORM_FIELDS = 500
"""The form's fields, with a checkbox per resource of the tenant."""


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
    values = {name: form.bounded(name, 4000 if name == "custom_dates" else 200) for name in FIELDS}
    chosen = [name[len(RESOURCE_FIELD):] for name, value in form.fields.items()
              if name.startswith(RESOURCE_FIELD) and value == "1"]
    return {**values, "resources": ",".join(chosen)}


def placement_values(values: dict[str, str], zone: str) -> dict[str, Any]:
    """The resources and the publishing window, as offerings.Placement takes them (UTC instants)."""
    ids = [text for text in values["resources"].split(",") if text]
    if any(not text.isdigit() or len(text) > 10 for text in ids):
        raise BadField("resources")
    out: dict[str, Any] = {"resource_ids": tuple(dict.fromkeys(int(text) for text in ids))}
    for name in PUBLISHING:
        text = values[name].strip()
        try:
            local = datetime.fromisoformat(text) if text else None
        except ValueError:
            raise BadField(name) from None
        if local is not None and local.tzinfo is not None:
            raise BadField(name)
        out[name] = to_utc(local.date(), local.time().replace(second=0, microsecond=0), zone) if local else None
    return out


def _local_text(instant: datetime | None, zone: str) -> str:
    return "" if instant is None else to_local(instant, zone).strftime("%Y-%m-%dT%H:%M")


def defaults(kind: Kind, today: date) -> dict[str, str]:
    kind_defaults = KIND_DEFAULTS[kind]
    return {"name": "", "group": "", "start_date": today.isoformat(), "start_time": "18:00", "end_date": "",
            "repeat": str(int(Repeat.WEEKLY if kind is Kind.RECURRING else Repeat.NONE)), "custom_dates": "",
            "price": "", "duration": str(kind_defaults.duration), "spaces": "10",
            "min_cancel": str(kind_defaults.min_cancel), "online_spaces": "",
            "max_advance": str(kind_defaults.max_advance) if kind_defaults.max_advance is not None else "",
            "venue": "", "product": "", "publish_start": "", "publish_end": "", "resources": ""}


def values_of(offering: Any, spec: OfferingSpec, slots: list[Any], zone: str) -> dict[str, str]:
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
            "venue": text(offering.business_unit_id), "product": text(offering.product_id),
            "resources": ",".join(str(r.id) for r in offering.resources),
            "publish_start": _local_text(offering.publish_start, zone),
            "publish_end": _local_text(offering.publish_end, zone)}


def _kind(text: str | None) -> Kind:
    try:
        return Kind(text or "recurring")
    except ValueError:
        return Kind.RECURRING


async def _form(staff: Staff, kind: Kind, values: dict[str, str], offering_id: int | None = None,
                error: str | None = None, status: int = 200) -> Response:
    choices = await staff.visit.web.filter_choices(staff.visit.site.id)
    return staff.visit.page("staff/offering_form.html", status=status, staff=staff, kind=kind, kinds=KINDS,
                            venues=choices.business_units, products=choices.products, resources=choices.resources,
                            chosen_resources=set(values.get("resources", "").split(",")),
                            repeats=[(int(r), label) for r, label in REPEATS], values=values,
                            offering_id=offering_id, token=one_time_token(), error=error, done=None)


def _field_error(staff: Staff, name: str) -> str:
    return staff.visit._("Please check this field: %(field)s.", field=staff.visit._(LABELS.get(name, name)))


LABELS = {"name": N_("Name"), "group": N_("Type of class"), "start_date": N_("First date"),
          "start_time": N_("Time"), "end_date": N_("Last date"), "repeat": N_("Repeats"),
          "custom_dates": N_("Dates"), "price": N_("Price"), "duration": N_("Minutes"), "spaces": N_("Places"),
          "min_cancel": N_("Cancellation closes, days before"), "online_spaces": N_("Places bookable online"),
          "max_advance": N_("Booking opens, days before"), "venue": N_("Venue"), "product": N_("Product"),
          "business_unit_id": N_("Venue"), "product_id": N_("Product"),
          "resources": N_("Instructors and rooms"), "resource_ids": N_("Instructors and rooms"),
          "publish_start": N_("Shown on the timetable from"), "publish_end": N_("Shown on the timetable until")}


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
                                              uow.offerings.slots_of(offering.id), staff.visit.site.timezone)

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
    kind, values = Kind.RECURRING, {name: "" for name in (*FIELDS, "resources")}
    try:
        form = await posted(request, staff.visit.session, max_fields=FORM_FIELDS)
        kind, values, token = _kind(form.text("kind")), form_values(form), form.one_time_token()
        spec, custom = spec_values(values)
        placed = placement_values(values, staff.visit.site.timezone)
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
            placement = offerings.Placement(product_id=product, business_unit_id=venue, **placed)
            return offerings.create_offering(uow, staff.actor, new, placement).id
        offerings.get_offering(uow, offering_id)  # NotFound for another tenant's, before anything else
        placement = offerings.Placement(product_id=product, business_unit_id=venue, **placed)
        return offerings.update_offering(uow, staff.actor, offering_id, dict(spec), placement=placement,
                                         custom_slots=custom if spec["repeat"] is Repeat.CUSTOM and custom else None).id

    try:
        saved = await engine.act(staff.database, staff.visit.site.id, staff.user_id, token, work)
    except engine.Replayed:
        return staff.visit.redirect(staff.url("", done="again"))
    except NotFound as missing:
        if missing.field not in PLACEMENT_IDS:  # the offering itself: the 404 page
            raise
        return await _form(staff, kind, values, offering_id, _field_error(staff, missing.field), status=400)
    except DomainError as error:
        return await _form(staff, kind, values, offering_id, _field_error(staff, error.field or "name"), status=400)
    return staff.visit.redirect(staff.url("", day=spec["start_date"].isoformat(), view="week",
                                          done="offering_saved", offering=saved))


ERROR = N_("Something in the form was not right. Please try again.")
