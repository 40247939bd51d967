"""Template helpers of the accessible theme (``h.a11y_*``)."""
from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.a11y.logic import prefs as _prefs

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# fallbacks only used when the city profile names no colour
_DEFAULT_COLORS = {"primary": "#0b5394", "primary_dark": "#073763", "accent": "#b45f06"}


def a11y_prefs() -> dict[str, str]:
    """The reader's display preferences, read from the cookie of this request."""
    return _prefs.parse(tk.request.cookies.get(_prefs.COOKIE) if tk.request else None)


def a11y_pref_choices() -> dict[str, tuple[str, ...]]:
    return _prefs.CHOICES


def a11y_html_classes() -> str:
    return " ".join(["tg"] + _prefs.html_classes(a11y_prefs()))


def a11y_city() -> dict[str, Any]:
    """The city profile's identity: names, contact, colours."""
    meta = city.current().meta
    colors = {**_DEFAULT_COLORS, **{k: v for k, v in (meta.get("colors") or {}).items()
                                     if isinstance(v, str) and _COLOR.match(v)}}
    return {
        "name": meta["name"],
        "short_name": meta.get("short_name", meta["name"]),
        "portal_title": meta["portal_title"],
        "portal_title_en": meta.get("portal_title_en", meta["portal_title"]),
        "province": meta.get("province", ""),
        "contact": meta.get("contact") or {},
        "colors": colors,
        "has_logo": bool(meta.get("logo")),
    }


def a11y_city_style() -> Markup:
    """CSS custom properties with the city's colours, for the theme's stylesheet."""
    colors = a11y_city()["colors"]
    props = "".join(f"--tg-{name.replace('_', '-')}:{value};" for name, value in colors.items())
    return Markup(f"<style>:root{{{props}}}</style>")


def a11y_bisindo_url(page: str) -> str | None:
    """The BISINDO sign-language video configured for ``page``, or None."""
    for entry in tk.config.get("ckanext.tangerang.a11y.bisindo_videos") or []:
        name, _sep, url = entry.partition("=")
        if name.strip() == page and url.strip().startswith(("https://", "http://", "/")):
            return url.strip()
    return None


@tk.chained_helper
def render_datetime(next_helper, datetime_, date_format: str | None = None,
                    with_hours: bool = False, with_seconds: bool = False) -> str:
    """A date with its hour in the order of the page's language ("30 November 2026, 16:23
    (WIB)"): CKAN writes it in English order ("November 30, 2026") in every language."""
    if date_format or not with_hours or with_seconds:
        return next_helper(datetime_, date_format, with_hours, with_seconds)
    import datetime as dt

    import flask_babel
    from babel.dates import get_date_format

    if isinstance(datetime_, str):
        try:
            datetime_ = tk.h.date_str_to_datetime(datetime_)
        except (TypeError, ValueError):
            return ""
    if not datetime_:
        return ""
    if datetime_.tzinfo is None:
        datetime_ = datetime_.replace(tzinfo=dt.timezone.utc)
    pattern = get_date_format("long", locale=flask_babel.get_locale()).pattern
    return flask_babel.format_datetime(datetime_, f"{pattern}, HH:mm (z)")


def a11y_lang() -> str:
    return tk.h.unix_locale_to_bcp47(tk.h.lang())


def a11y_content_lang(obj: dict[str, Any] | None = None) -> str:
    """The language a dataset, resource or office is written in (WCAG 3.1.2): its own
    ``language`` field or extra when it names a language the portal speaks, otherwise the
    configured language of the city's content."""
    offered = {code.split("_")[0] for code in tk.config.get("ckan.locales_offered") or ["id", "en"]}
    value = (obj or {}).get("language")
    if not value:
        value = next((e.get("value") for e in (obj or {}).get("extras") or []
                      if e.get("key") == "language"), None)
    value = (value or "").strip().lower()
    return value if value in offered else tk.config.get("ckanext.tangerang.a11y.content_language")
