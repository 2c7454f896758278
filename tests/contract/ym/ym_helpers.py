"""Helpers of the YourMembership contract tests: encode requests and decode responses as a client does."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from tests.local_dates import local_today

from bookable.api.dialects.ym import jsv
from bookable.domain.actors import Role
from bookable.domain.offering import Kind
from bookable.domain.recurrence import LocalOccurrence, Repeat
from bookable.services import accounts
from bookable.services.registrations import create_registration
from bookable.storage import models as m

FORMATS = ("json", "xml", "jsv")
CONTENT_TYPES = {"json": "application/json", "xml": "application/xml", "jsv": "text/jsv"}
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"


def encode(fmt: str, fields: dict[str, Any]) -> bytes:
    """A request body as a ServiceStack client would write it (written here independently)."""
    if fmt == "json":
        return json.dumps(fields).encode()
    if fmt == "jsv":
        return jsv.dumps(fields).encode()
    return _datacontract_request(fields)


def _datacontract_request(fields: dict[str, Any]) -> bytes:
    parts = []
    for name, value in fields.items():
        if name == "SessionIds" and isinstance(value, list):
            items = "".join(f"<d2p1:int>{_xml_text(item)}</d2p1:int>" for item in value)
            parts.append(f'<SessionIds xmlns:d2p1="{ARRAYS}">{items}</SessionIds>')
        elif name == "Sessions" and isinstance(value, list):
            dictionaries = "".join(f"<d2p1:ArrayOfKeyValueOfstringstring>{_xml_pairs(entry)}"
                                   "</d2p1:ArrayOfKeyValueOfstringstring>" for entry in value)
            parts.append(f'<Sessions xmlns:d2p1="{ARRAYS}">{dictionaries}</Sessions>')
        elif value is None:
            parts.append(f'<{name} i:nil="true" />')
        else:
            parts.append(f"<{name}>{_xml_text(value)}</{name}>")
    return (
        '<RegistrationSessionRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://schemas.datacontract.org/2004/07/YM.Api.Models">' + "".join(parts)
        + "</RegistrationSessionRequest>"
    ).encode()


def _xml_pairs(entry: Any) -> str:
    if not isinstance(entry, dict):
        return _xml_text(entry)
    return "".join(f"<d2p1:KeyValueOfstringstring><d2p1:Key>{_xml_text(k)}</d2p1:Key>"
                   f"<d2p1:Value>{_xml_text(v)}</d2p1:Value></d2p1:KeyValueOfstringstring>" for k, v in entry.items())


def _xml_text(value: Any) -> str:
    return escape(str(value))


def decode(fmt: str, body: bytes) -> dict[str, Any]:
    """A response body as plain data; numbers as text, since JSV and XML carry no types."""
    if fmt == "json":
        return _as_text(json.loads(body))
    if fmt == "jsv":
        return jsv.loads(body.decode())  # type: ignore[no-any-return]
    return _from_xml(etree.fromstring(body))


def _as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    return value if value is None or isinstance(value, str) else str(value)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _from_xml(element: etree._Element) -> Any:
    children = list(element)
    if not children:
        nil = element.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
        return None if nil else (element.text or "")
    names = [_local(child) for child in children]
    if names[0] in ("ArrayOfKeyValueOfstringstring", "ResponseError", "int"):
        return [_from_xml(child) for child in children]
    if names[0] == "KeyValueOfstringstring":
        return {child[0].text: child[1].text for child in children}
    return {name: _from_xml(child) for name, child in zip(names, children, strict=True)}


@dataclass
class Ym:
    """One tenant with a YM ClientID, an admin caller, and helpers to build events and registrations."""

    world: Any  # tests/conftest.py's World
    client: Any
    admin_headers: dict[str, str]

    @property
    def client_id(self) -> int:
        assert self.world.tenant.client_id is not None
        return self.world.tenant.client_id

    def url(self, event_id: int | str, suffix: str = "", client_id: int | str | None = None) -> str:
        client = self.client_id if client_id is None else client_id
        return f"/Ams/{client}/Event/{event_id}/EventRegistrationSessions{suffix}"

    def event(self, sessions: int = 3, spaces: int = 5, kind: Kind = Kind.RECURRING, **spec: Any) -> m.Offering:
        start = local_today() + timedelta(days=3)
        if kind is Kind.RECURRING:
            spec.update(repeat=Repeat.DAILY, end_date=start + timedelta(days=sessions - 1))
        elif kind is Kind.COURSE:
            spec.update(repeat=Repeat.CUSTOM, custom_slots=tuple(
                LocalOccurrence(start + timedelta(days=i), time(18, 0), 60) for i in range(sessions)))
        return self.world.offering(kind=kind, name="Annual Conference", start_date=start, spaces=spaces, **spec)

    def session_ids(self, event: m.Offering) -> list[int]:
        return [slot.id for slot in self.world.slots(event.id)]

    def registration(self, event: m.Offering, code: str | None = None, badge: int | None = None,
                     person_id: int | None = None) -> m.Registration:
        person_id = person_id or self.world.person("Reg", uuid.uuid4().hex[:6])
        with self.world.uow() as uow:
            row = create_registration(uow, self.world.admin, event.id, person_id,
                                      code or f"R-{uuid.uuid4().hex[:8]}", badge)
            uow.commit()
            return row

    def held(self, registration: m.Registration) -> dict[int, str]:
        """slot id -> status of the registration's active bookings, read from the database."""
        with self.world.uow(write=False) as uow:
            return {b.slot_id: b.status for b in uow.bookings.of_registration(registration.id)}  # type: ignore[misc]

    def snapshot(self) -> tuple[list[tuple[int, int | None, str]], int]:
        """Every booking of the tenant and the number of audit entries: "nothing changed" is equality."""
        with self.world.uow(write=False) as uow:
            bookings = [(b.id, b.slot_id, b.status) for b in uow.catalog.list(m.Booking, limit=10_000)]
            return bookings, len(uow.catalog.list(m.EventRecord, limit=10_000))

    def send(self, method: str, url: str, fmt: str = "json", fields: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, body: bytes | None = None, **options: Any) -> Any:
        sent = {**self.admin_headers, "Content-Type": CONTENT_TYPES[fmt], "Accept": CONTENT_TYPES[fmt]}
        sent.update(headers or {})
        content = body if body is not None else (encode(fmt, fields) if fields is not None else None)
        return self.client.request(method, url, content=content, headers=sent, **options)


def status_of(document: dict[str, Any]) -> dict[str, Any]:
    """ResponseStatus as a dict (an empty XML element reads as "")."""
    return document.get("ResponseStatus") or {}


def errors_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return status_of(document).get("Errors") or []


def field_names(document: dict[str, Any]) -> set[str]:
    return {error["FieldName"] for error in errors_of(document)}


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def staff_headers(world: Any, role: Role) -> dict[str, str]:
    username, password = f"ym-{uuid.uuid4().hex[:8]}", "correct-horse"
    with world.uow() as uow:
        accounts.add_user(uow, world.tenant, username, password, role)
        uow.commit()
    return basic(username, password)


def key_headers(world: Any, role: Role) -> dict[str, str]:
    with world.uow() as uow:
        _, key = accounts.add_api_key(uow, world.tenant, "ym-tests", role)
        uow.commit()
    return bearer(key)
