"""Languages of the web pages: which one a visitor gets, its translations, and dates, times and
money formatted for it (Babel's CLDR data).

Which language: the visitor's own choice (the switch on every page, kept in their session), else
the first of their browser's Accept-Language that bookable speaks, else the tenant's default
(tenants.language), else English.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency
from babel.support import Translations

from bookable.domain.localtime import TIMES_REMEMBERED, to_local
from bookable.web.catalogs import DOMAIN, compiled

LANGUAGES = {"sv": "Svenska", "en": "English"}
DEFAULT_LANGUAGE = "en"
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
LOCALE_DIR = Path(__file__).parent / "locale"
log = logging.getLogger("bookable.web")


def known(language: str | None) -> str | None:
    return language if language in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language of the header, by quality, that bookable speaks (`sv-SE` is `sv`)."""
    ranked = []
    for index, part in enumerate((header or "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, index, tag.strip().lower().split("-")[0]))
    for quality, _, language in sorted(ranked):
        if quality < 0 and language in LANGUAGES:
            return language
    return None


def choose(chosen: str | None, accept_language: str | None, tenant_default: str | None) -> str:
    return known(chosen) or from_accept_language(accept_language) or known(tenant_default) or DEFAULT_LANGUAGE


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's compiled catalog. Compiled at install time; a checkout used without
    installing (no .mo beside the .po) compiles it in memory, and says so once."""
    mo_file = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if mo_file.exists():
        return Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    po_file = mo_file.with_suffix(".po")
    if not po_file.exists():
        return gettext.NullTranslations()
    log.warning("no compiled catalog %s: compiled it from %s in memory (pip install -e . compiles it)",
                mo_file, po_file.name)
    return Translations(io.BytesIO(compiled(po_file)), domain=DOMAIN)


@functools.lru_cache(maxsize=TIMES_REMEMBERED)
def _time(locale: str, zone: str, instant: datetime) -> str:
    return format_time(to_local(instant, zone), "short", locale=locale)


@functools.lru_cache(maxsize=TIMES_REMEMBERED)
def _short_day(locale: str, zone: str, instant: datetime) -> str:
    return format_skeleton("MMMEd", to_local(instant, zone), locale=locale)


@functools.lru_cache(maxsize=TIMES_REMEMBERED)
def _day(locale: str, day: date) -> str:
    return format_date(day, "EEEE d MMMM", locale=locale)


@functools.lru_cache(maxsize=TIMES_REMEMBERED)
def _iso(zone: str, instant: datetime) -> str:
    return to_local(instant, zone).isoformat()


class Formats:
    """Dates, times and money for one language, in one tenant's time zone and currency. A week's
    times are shown on every timetable page, and Babel's formatting is slow next to a lookup: remembered."""

    def __init__(self, language: str, zone: str, currency: str) -> None:
        self.locale = LOCALES[language]
        self.zone = zone
        self.currency = currency

    def local(self, instant: datetime) -> datetime:
        return to_local(instant, self.zone)

    def iso(self, instant: datetime) -> str:
        """The instant in the tenant's zone for a <time datetime=...>."""
        return _iso(self.zone, instant)

    def time(self, instant: datetime) -> str:
        return _time(self.locale, self.zone, instant)

    def day(self, day: date) -> str:
        """Tuesday 8 December / tisdag 8 december."""
        return _day(self.locale, day)

    def short_day(self, instant: datetime) -> str:
        """Tue 8 Dec / tis 8 dec."""
        return _short_day(self.locale, self.zone, instant)

    def date(self, day: date) -> str:
        return format_date(day, "long", locale=self.locale)

    def moment(self, instant: datetime) -> str:
        """Tue 8 Dec 19:00: when something opens or closes."""
        return f"{self.short_day(instant)} {self.time(instant)}"

    def money(self, amount: Decimal) -> str:
        return format_currency(amount, self.currency, locale=self.locale)
