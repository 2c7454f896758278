"""What a staff page says after a form, by a stable code in the redirect's query string (as
web.messages for members); the engine's refusals are shown with the members' texts for their codes,
or the staff's own where staff need to be told more."""

from __future__ import annotations

from bookable.web.messages import ERRORS
from bookable.web.rendering import N_

DONE = {
    "attended": N_("Marked as attended."),
    "not_attended": N_("Marked as not attended."),
    "volunteering": N_("Volunteering roles saved."),
    "confirmed": N_("The booking is confirmed."),
    "unconfirmed": N_("The booking is unconfirmed: it still holds its places."),
    "promoted": N_("Promoted from the waiting list."),
    "walked_in": N_("Added to the register."),
    "walked_in_waiting": N_("The class is full: added to the waiting list."),
    "person_saved": N_("Saved."),
    "paid": N_("The payment is recorded."),
    "offering_saved": N_("The offering is saved."),
    "capacity_changed": N_("The capacity is changed."),
    "moved": N_("The class is moved."),
    "class_cancelled": N_("The class is cancelled, and every booking on it."),
    "class_restored": N_("The class is on again. Its cancelled bookings stay cancelled."),
    "user_added": N_("The user is added."),
    "user_role": N_("The role is changed."),
    "user_disable": N_("The user is disabled: their logins are refused from now on."),
    "user_enable": N_("The user is enabled again."),
    "user_password": N_("The password is reset."),
    "key_revoked": N_("The key is revoked: every API refuses it from now on."),
    "settings_saved": N_("The settings are saved."),
    "refund": N_("The refund is recorded."),
    "credit_note": N_("The credit note is recorded."),
    "booking_cancelled": N_("The booking is cancelled."),
    "webhook_enable": N_("The endpoint is enabled: events are sent to it again."),
    "webhook_disable": N_("The endpoint is disabled: nothing is sent to it until it is enabled."),
    "webhook_deleted": N_("The endpoint is deleted."),
    "redelivering": N_("The delivery will be sent again in a moment."),
    "again": N_("That form had been sent already: it was done once, and nothing more was done."),
}

STAFF_ERRORS = {
    **ERRORS,
    "full": N_("There are not enough free places for that."),
    "already_booked": N_("This person is already booked on this class."),
    "already_waitlisted": N_("This person is already on the waiting list."),
    "invalid_state": N_("That cannot be done to this booking as it is now."),
    "not_allowed": N_("Your role does not allow that."),
    "payment_needed": N_("This class is paid for: say how the walk-in paid, and how much."),
    "bad_amount": N_("The amount must be a number like 20 or 12.50."),
    "login_taken": N_("Another person already has that email, card number or customer number: each must be unique, "
                      "because members log in with it."),
    "more_than_held": N_("That is more than is held for this booking."),
    "bad_username": N_("That username is taken, or not 1 to 200 characters without a colon."),
    "bad_name": N_("The name must be 1 to 200 characters."),
    "bad_currency": N_("The currency must be a three-letter ISO 4217 code, such as SEK or GBP."),
    "bad_max_upcoming_bookings": N_("The booking limit must be a whole number, or empty for none."),
    "bad_language_setting": N_("Choose Svenska or English."),
    "bad_cors_origins": N_("Each origin must be like https://www.example.org, one a line."),
    "has_active_bookings": N_("This class still has bookings."),
    "bad_email": N_("That email address is not valid."),
    "bad_password": N_("A password must be 8 to 200 characters."),
    "bad_language": N_("Choose Svenska, English, or the club's language."),
    "bad_webhook_url": N_("That URL cannot receive webhooks: it must start with http:// or https://, name a public "
                          "address (not a private, local or reserved one) and hold no user name or password. "
                          "Nothing was added."),
    "webhook_not_now": N_("Not now: the endpoint is disabled (enable it first), or this delivery is being sent "
                          "right now."),
    "bad_webhook_event_types": N_("Choose at least one event type."),
}


def done_message(code: str | None) -> str | None:
    return DONE.get(code or "")


def error_message(code: str | None) -> str | None:
    return STAFF_ERRORS.get(code or "")
