"""Every message a page shows after a form, by a stable code that travels in the redirect's query
string (so a reload or a double click shows it again, and it is always in the visitor's language).
A forged code only shows one of these texts: it changes nothing."""

from __future__ import annotations

from bookable.web.rendering import N_

DONE = {
    "booked": N_("You are booked."),
    "waitlisted": N_("You are on the waiting list."),
    "cancelled": N_("Your booking is cancelled."),
    "left": N_("You have left the waiting list."),
    "again": N_("That form had been sent already: it was done once, and nothing more was done."),
    "logged_out": N_("You are logged out."),
    "feed_revoked": N_("Your calendar link no longer works. Make a new one whenever you like."),
}

ERRORS = {
    "full": N_("Sorry, there are no places left."),
    "already_booked": N_("You have booked this already."),
    "already_waitlisted": N_("You are on this waiting list already."),
    "waiting_list_closed": N_("Sorry, there are no places left, and this class has no waiting list."),
    "outside_booking_window": N_("This cannot be booked right now: booking is not open."),
    "cancellation_too_late": N_("It is too late to cancel this booking."),
    "slot_cancelled": N_("This class has been cancelled."),
    "offering_disabled": N_("This cannot be booked online."),
    "invalid_state": N_("This booking is already cancelled."),
    "too_many_places": N_("That number of places cannot be booked."),
    "not_found": N_("We could not find that. It may have been removed."),
    "not_allowed": N_("That is not yours to change."),
    "invalid_parameter": N_("Something in the form was not right. Please try again."),
    "form_expired": N_("The page had expired, so nothing was done. Please try again."),
    "login_needed": N_("Please log in first."),
    "staff_cannot_book": N_("Staff users cannot book on these pages: log in as a member."),
    "unavailable": N_("We are very busy right now, and nothing was done. Please try again in a moment."),
    "internal_error": N_("Something went wrong on our side, and nothing was changed. Please try again."),
}


def done_message(code: str | None) -> str | None:
    return DONE.get(code or "")


def error_message(code: str | None) -> str | None:
    return ERRORS.get(code or "")
