"""The emails to members: what each says, in the member's language (the web pages' Babel catalogs),
as plain text and HTML from two Jinja2 templates (the HTML one autoescaped). Pure rendering: the
facts come in (storage.queries.notifications), the message goes out."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bookable.domain.localtime import to_utc
from bookable.storage.queries.notifications import BookedDate, BookingFacts
from bookable.web.i18n import Formats, translations

MOST_DATES_LISTED = 12


class Kind(StrEnum):
    CONFIRMED = "booking_confirmed"
    RESERVED = "booking_reserved"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"
    CLASS_CANCELLED = "class_cancelled"
    CLASS_MOVED = "class_moved"
    PAYMENT = "payment_received"
    REFUND = "refund_issued"
    CREDIT_NOTE = "credit_note_issued"
    REMINDER = "reminder"


@dataclass(frozen=True)
class Particulars:
    """What one message adds to the booking's facts."""

    cancelled_by_member: bool = False
    reason: str | None = None
    amount: Decimal | None = None
    moved_from: tuple[date, time] | None = None


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    lines: list[tuple[str, str]] = field(default_factory=list)


@functools.cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("bookable.notifications", "templates"),
                       autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def compose(kind: Kind, facts: BookingFacts, language: str, bookings_url: str, particulars: Particulars,
            *, with_calendar: bool) -> Email:
    _ = translations(language).gettext
    fmt = Formats(language, facts.tenant.timezone, facts.tenant.currency)
    when = _when(fmt, facts.first_date)
    values = {"name": facts.offering_name, "when": when, "site": facts.tenant.name,
              "amount": fmt.money(particulars.amount) if particulars.amount is not None else ""}
    subject, headline = _wording(kind, facts, fmt, particulars, values, language)
    lines = _details(facts, fmt, particulars, language)
    context = {
        "language": language, "subject": subject, "headline": headline, "lines": lines,
        "greeting": _("Hello %(name)s,") % {"name": facts.recipient.first_name or facts.recipient.last_name},
        "link_text": _("See or change your bookings"), "bookings_url": bookings_url,
        "calendar_note": _("The attached calendar file adds the class to your calendar, or updates it there.")
        if with_calendar else "",
        "footer": _("%(site)s sent you this email about your booking. Replies are not read.") % values,
    }
    env = _environment()
    return Email(subject, env.get_template("email.txt").render(context),
                 env.get_template("email.html").render(context), lines)


def _wording(kind: Kind, facts: BookingFacts, fmt: Formats, particulars: Particulars,
             values: dict[str, str], language: str) -> tuple[str, str]:
    _ = translations(language).gettext
    if kind is Kind.CONFIRMED:
        return _("Booking confirmed: %(name)s, %(when)s") % values, _("Your place is booked.")
    if kind is Kind.RESERVED:
        return (_("Place reserved: %(name)s, %(when)s") % values,
                _("Your place is reserved; %(site)s will confirm it.") % values)
    if kind is Kind.WAITLISTED:
        headline = (_("You are number %(position)s on the waiting list.") % {"position": facts.waiting_position}
                    if facts.waiting_position else _("You are on the waiting list."))
        return (_("Waiting list: %(name)s, %(when)s") % values,
                headline + " " + _("If a place frees up it becomes yours, and we will email you."))
    if kind is Kind.PROMOTED:
        return _("You got a place: %(name)s, %(when)s") % values, _("A place freed up, and it is now yours.")
    if kind is Kind.CANCELLED:
        headline = (_("You cancelled your booking.") if particulars.cancelled_by_member
                    else _("%(site)s cancelled your booking.") % values)
        return _("Booking cancelled: %(name)s, %(when)s") % values, headline
    if kind is Kind.CLASS_CANCELLED:
        return (_("Class cancelled: %(name)s, %(when)s") % values,
                _("%(site)s has cancelled this class, and your booking with it.") % values)
    if kind is Kind.CLASS_MOVED:
        moved = {**values, "before": _moved_from(fmt, facts, particulars)}
        return (_("Class moved: %(name)s, now %(when)s") % values,
                _("The class has moved from %(before)s to %(when)s. Your booking stays.") % moved)
    if kind is Kind.PAYMENT:
        return (_("Payment received: %(amount)s for %(name)s") % values,
                _("Thank you: we have received your payment of %(amount)s.") % values)
    if kind is Kind.REFUND:
        return (_("Refund: %(amount)s for %(name)s") % values,
                _("We have refunded %(amount)s to you.") % values)
    if kind is Kind.CREDIT_NOTE:
        return (_("Credit note: %(amount)s for %(name)s") % values,
                _("We have issued you a credit note of %(amount)s.") % values)
    return _("Reminder: %(name)s, %(when)s") % values, _("See you soon: your class is coming up.")


def _details(facts: BookingFacts, fmt: Formats, particulars: Particulars, language: str) -> list[tuple[str, str]]:
    _ = translations(language).gettext
    lines = [(_("Class"), facts.offering_name)]
    dates = facts.dates
    if len(dates) == 1:
        lines.append((_("When"), _span(fmt, dates[0])))
    elif dates:
        shown = [_span(fmt, booked) for booked in dates[:MOST_DATES_LISTED]]
        if len(dates) > MOST_DATES_LISTED:
            shown.append(_("and %(count)s more dates") % {"count": len(dates) - MOST_DATES_LISTED})
        lines.append((_("Dates"), "; ".join(shown)))
    places = sorted({booked.place for booked in dates if booked.place})
    if places:
        lines.append((_("Where"), ", ".join(places)))
    if facts.places > 1:
        lines.append((_("Places"), str(facts.places)))
    if particulars.amount is not None:
        lines.append((_("Amount"), fmt.money(particulars.amount)))
    if particulars.reason:
        lines.append((_("Reason"), particulars.reason))
    lines.append((_("Booking number"), str(facts.booking_id)))
    return lines


def _when(fmt: Formats, booked: BookedDate | None) -> str:
    if booked is None:
        return ""
    return f"{fmt.day(fmt.local(booked.starts_at).date())} {fmt.time(booked.starts_at)}"


def _span(fmt: Formats, booked: BookedDate) -> str:
    return f"{_when(fmt, booked)}–{fmt.time(booked.ends_at)}"


def _moved_from(fmt: Formats, facts: BookingFacts, particulars: Particulars) -> str:
    if particulars.moved_from is None:
        return ""
    local_date, local_time = particulars.moved_from
    instant: datetime = to_utc(local_date, local_time, facts.tenant.timezone)
    return f"{fmt.day(local_date)} {fmt.time(instant)}"
