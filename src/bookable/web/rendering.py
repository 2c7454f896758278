"""Jinja2 templates, one environment per language (its translations installed), and the HTML
responses every page sends: security headers, no caching of live or personal pages."""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from bookable.web.i18n import translations

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # a calendar feed's secret URL never leaves in a Referer
    "Cache-Control": "no-cache, private",
}


@functools.cache
def environment(language: str) -> Environment:
    env = Environment(loader=PackageLoader("bookable.web", "templates"), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"], undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, auto_reload=False)
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["option_tags"] = option_tags
    return env


@functools.lru_cache(maxsize=256)
def option_tags(options: tuple[tuple[int, str], ...], chosen: int | None) -> Markup:
    """A select's <option>s, remembered: a tenant with a thousand instructors would otherwise spend
    most of a timetable page escaping the same names."""
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>\n').format(ident, Markup(" selected") if ident == chosen else "", text)
        for ident, text in options)


def render(language: str, template: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(template).render(context)


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


def gettext(language: str, message: str, **values: Any) -> str:
    """A message of Python code (flash messages, errors) in the language, %(name)s filled in."""
    text = translations(language).gettext(message)
    return text % values if values else text


def N_(message: str) -> str:  # noqa: N802 - the name Babel's extractor looks for
    """Marks a message for extraction; it is translated where it is shown."""
    return message
