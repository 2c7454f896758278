"""A visitor's view of a tenant's web pages: a browser-like client (cookies kept) that reads pages
with lxml and posts their own forms back, hidden fields and all, as a browser would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lxml import html as lxml_html

from bookable.services.bookings import WaitlistPolicy, book


@dataclass
class Page:
    status: int
    text: str
    url: str

    @property
    def doc(self) -> Any:
        return lxml_html.fromstring(self.text)

    def has(self, text: str) -> bool:
        return text in " ".join(self.doc.text_content().split())

    def forms(self, action: str) -> list[Any]:
        return [form for form in self.doc.forms if form.get("action", "").endswith(action)]

    def form(self, action: str, **wanted: Any) -> dict[str, str]:
        """The fields of the one form posting to `action` whose fields include `wanted`."""
        for form in self.forms(action):
            fields = {name: value for name, value in form.form_values()}
            if all(fields.get(name) == str(value) for name, value in wanted.items()):
                return fields
        raise AssertionError(f"no form to {action} with {wanted} on {self.url}")

    def card(self, slot_id: int) -> str:
        """The text of one class on the timetable."""
        [element] = self.doc.xpath(f'//li[@id="slot-{slot_id}"]')
        return " ".join(element.text_content().split())

    def card_text(self, booking_id: int) -> str:
        """The text of one booking on My bookings."""
        [element] = self.doc.xpath(f'//li[@id="booking-{booking_id}"]')
        return " ".join(element.text_content().split())

    def forms_with(self, action: str, **wanted: Any) -> list[dict[str, str]]:
        found = [dict(form.form_values()) for form in self.forms(action)]
        return [fields for fields in found if all(fields.get(k) == str(v) for k, v in wanted.items())]

    def message(self) -> str:
        return " ".join(" ".join(e.text_content().split()) for e in self.doc.xpath('//*[contains(@class, "message")]'))


@dataclass
class Visitor:
    client: Any
    slug: str

    def get(self, path: str = "", headers: dict[str, str] | None = None, **params: Any) -> Page:
        response = self.client.get(f"/{self.slug}/{path}", params=params, headers=headers or {})
        return Page(response.status_code, response.text, str(response.url))

    def post(self, path: str, fields: dict[str, Any], follow: bool = True) -> Page:
        response = self.client.post(f"/{self.slug}/{path}", data=fields, follow_redirects=follow)
        return Page(response.status_code, response.text, str(response.headers.get("location") or response.url))

    def log_in(self, login: str, password: str) -> Page:
        fields = self.get("login").form("/login")
        return self.post("login", {**fields, "login": login, "password": password})

    def week_of(self, day: date) -> Page:
        return self.get("", week=day.isoformat())


def week_of_slot(world: Any, slot: Any) -> date:
    return slot.local_date


def fill(world: Any, slot_id: int, count: int, *, waiting: bool = False) -> list[int]:
    """Bookings by `count` new people (staff, through the service), joining the waiting list if full."""
    ids = []
    with world.uow() as uow:
        for index in range(count):
            person = uow.people.add(_person(world, f"Filler{index}"))
            outcome = book(uow, world.admin, person_id=person.id, slot_id=slot_id,
                           waitlist=WaitlistPolicy.IF_FULL if waiting else WaitlistPolicy.NEVER,
                           override_window=True)
            ids.append(outcome.booking.id)
        uow.commit()
    return ids


def _person(world: Any, first: str) -> Any:
    from bookable.domain.actors import utc_now
    from bookable.storage import models as m

    return m.Person(tenant_id=world.tenant.id, first_name=first, last_name="Test", created_at=utc_now())


def in_days(days: int) -> date:
    from tests.local_dates import local_today

    return local_today() + timedelta(days=days)
