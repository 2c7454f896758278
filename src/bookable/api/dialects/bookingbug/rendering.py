"""BookingBug XML documents: the spec's elements first, in the spec's order; our extras after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time

from lxml import etree

from bookable.api.xml import element, sub
from bookable.domain.capacity import SlotLoad
from bookable.domain.offering import Kind
from bookable.storage import models as m
from bookable.storage.queries.bookingbug import SessionSummary

SESSION_TYPE = {Kind.EVENT: 0, Kind.COURSE: 1, Kind.RECURRING: 2}


def session_list(summaries: Iterable[SessionSummary]) -> etree._Element:
    root = element("sessions")
    for summary in summaries:
        root.append(session_summary(summary.id, summary.name, summary.group))
    return root


def session_summary(session_id: int, name: str, group: str) -> etree._Element:
    node = element("session", id=session_id)
    sub(node, "name", name)
    sub(node, "group", group)
    return node


def session_detail(offering: m.Offering, slots: list[m.Slot], loads: Mapping[int, SlotLoad]) -> etree._Element:
    node = session_summary(offering.id, offering.name, offering.group_name)
    sub(node, "time", _time(offering.start_time))
    sub(node, "start_date", _date(offering.start_date))
    sub(node, "end_date", _date(offering.end_date))
    listing = sub(node, "slots")
    for slot in slots:
        listing.append(slot_detail(slot, loads[slot.id]))
    _extras(node, offering)
    return node


def slot_detail(slot: m.Slot, load: SlotLoad) -> etree._Element:
    node = element("slot", id=slot.id)
    sub(node, "date", _date(slot.local_date))
    sub(node, "spaces_booked", load.confirmed)
    sub(node, "spaces_reserved", load.reserved)
    sub(node, "time", _time(slot.local_time))
    sub(node, "duration", slot.duration)
    return node


def _extras(node: etree._Element, offering: m.Offering) -> None:
    sub(node, "type", SESSION_TYPE[Kind(offering.kind)])
    sub(node, "duration", offering.duration)
    sub(node, "repeat", offering.repeat)
    sub(node, "spaces", offering.spaces)
    sub(node, "price", "" if offering.price is None else f"{offering.price:.2f}")
    sub(node, "max_num_bookings", offering.max_num_bookings)
    sub(node, "disabled", offering.disabled)
    sub(node, "min_cancel", offering.min_cancel)
    sub(node, "max_advance", "" if offering.max_advance is None else offering.max_advance)
    sub(node, "ask_address", offering.ask_address)
    sub(node, "ticket_type", offering.ticket_type)
    sub(node, "description", offering.description)


def _date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _time(value: time) -> str:
    return value.strftime("%H:%M")
