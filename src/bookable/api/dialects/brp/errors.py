"""BRP error codes, their HTTP statuses and messages in Swedish and English (docs/dialects/brp.md).

Every failure on a BRP path, whoever raised it (engine, HTTP layer, middleware), is rendered here
as `<errors><error><code/><message/><debug/></error></errors>` or its JSON equivalent.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp.render import Items, document_response, format_of
from bookable.api.errors import ApiError, Failure

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"


@dataclass(frozen=True)
class Code:
    number: int
    status: int
    sv: str
    en: str


CODES: dict[str, Code] = {
    "invalid_parameter": Code(1001, 400, "Felaktig parameter, {field}", "Invalid parameter, {field}"),
    "missing_parameter": Code(1002, 400, "Obligatorisk parameter saknas, {field}",
                              "Required parameter missing, {field}"),
    "malformed_body": Code(1003, 400, "Felaktigt innehåll i anropet", "Malformed request body"),
    "payload_too_large": Code(1004, 413, "Anropet är för stort", "Request body too large"),
    "unsupported_media_type": Code(1005, 415, "Innehållstypen stöds inte", "Unsupported content type"),
    "unauthorized": Code(1010, 401, "Inloggning krävs eller misslyckades", "Login required or failed"),
    "apikey_missing": Code(1011, 401, "Parametern apikey saknas", "The apikey parameter is missing"),
    "apikey_wrong": Code(1012, 401, "Felaktig apikey", "Wrong apikey"),
    "apikey_other_tenant": Code(1013, 403, "Apikey gäller inte denna kund",
                                "The apikey does not belong to this customer"),
    "too_many_attempts": Code(1014, 429, "För många misslyckade inloggningar; försök igen senare",
                              "Too many failed logins; try again later"),
    "not_allowed": Code(1020, 403, "Åtgärden är inte tillåten", "Not allowed"),
    "forbidden": Code(1020, 403, "Åtgärden är inte tillåten", "Not allowed"),
    "not_found": Code(1030, 404, "Hittades inte", "Not found"),
    "method_not_allowed": Code(1040, 405, "Metoden stöds inte", "Method not allowed"),
    "not_acceptable": Code(1041, 406, "Formatet stöds inte", "Format not supported"),
    "idempotency_in_progress": Code(1050, 409, "Ett likadant anrop pågår redan", "The same request is in progress"),
    "idempotency_mismatch": Code(1051, 422, "Idempotency-Key användes för ett annat anrop",
                                 "Idempotency-Key was used for another request"),
    "full": Code(2001, 409, "Aktiviteten är fullbokad", "The activity is fully booked"),
    "already_booked": Code(2002, 409, "Du är redan bokad", "You are already booked"),
    "already_waitlisted": Code(2003, 409, "Du står redan på väntelistan", "You are already on the waiting list"),
    "waiting_list_closed": Code(2004, 409, "Aktiviteten har ingen väntelista", "The activity has no waiting list"),
    "outside_booking_window": Code(2005, 409, "Bokning är inte öppen just nu", "Booking is not open at this time"),
    "cancellation_too_late": Code(2006, 409, "Det är för sent att avboka", "It is too late to cancel"),
    "slot_cancelled": Code(2007, 409, "Aktiviteten är inställd", "The activity is cancelled"),
    "offering_disabled": Code(2008, 409, "Går inte att boka via internet", "Cannot be booked online"),
    "invalid_state": Code(2009, 409, "Bokningen är redan avbokad", "The booking is already cancelled"),
    "too_many_places": Code(2010, 400, "För många platser", "Too many places"),
    "has_active_bookings": Code(2011, 409, "Det finns aktiva bokningar", "There are active bookings"),
    "booking_limit_reached": Code(2012, 409, "Du har redan så många bokningar som tillåts",
                                  "You already hold as many bookings as allowed"),
    "unavailable": Code(9001, 503, "Servern är upptagen; inget ändrades. Försök igen strax",
                        "The server is busy; nothing was changed. Retry shortly"),
    "internal_error": Code(9999, 500, "Ett internt fel inträffade; inget ändrades",
                           "Internal error; nothing was changed"),
}


def _code_of(failure: Failure) -> Code:
    """Unknown codes fall back on the status class: a caller error (1001) or ours (9999)."""
    known = CODES.get(failure.code)
    if known is not None:
        return known
    return CODES["internal_error"] if failure.status >= 500 else CODES["invalid_parameter"]


def invalid(field: str, reason: str) -> ApiError:
    return ApiError(400, "invalid_parameter", reason, field=field)


def missing(field: str) -> ApiError:
    return ApiError(400, "missing_parameter", f"{field} is required.", field=field)


def status_for(code: str) -> int | None:
    entry = CODES.get(code)
    return entry.status if entry else None


def language_of(request: Request | None) -> str:
    if request is None:
        return DEFAULT_LANGUAGE
    chosen = getattr(request.state, "brp_lang", None) or request.query_params.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def render_failure(request: Request | None, failure: Failure) -> Response:
    entry = _code_of(failure)
    template = entry.sv if language_of(request) == "sv" else entry.en
    message = template.format(field=failure.field or "").rstrip(", ")
    debug = f"field={failure.field}" if failure.field else failure.message
    error = {"code": entry.number, "message": message, "debug": debug}
    path = request.url.path if request is not None else ""
    return document_response(format_of(path), "errors", Items("error", [error]), status=failure.status)
