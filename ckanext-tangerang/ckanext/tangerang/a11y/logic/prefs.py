"""The reader's display preferences: pure logic, no CKAN needed.

They live in one cookie, ``tangerang_a11y``, as a query string (``text=150&contrast=high``);
the server turns them into classes on ``<html>`` so the page is styled before it paints.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

COOKIE = "tangerang_a11y"
MAX_AGE = 365 * 24 * 3600

# name -> allowed values; the first is the default. "auto" follows the system setting
# (prefers-contrast, prefers-reduced-motion, forced-colors) through CSS media queries.
CHOICES: dict[str, tuple[str, ...]] = {
    "text": ("100", "125", "150", "175", "200"),
    "spacing": ("normal", "wide"),
    "contrast": ("auto", "standard", "high"),
    "font": ("default", "readable"),
    "motion": ("auto", "reduce"),
}
DEFAULTS = {name: values[0] for name, values in CHOICES.items()}


def clean(raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(preferences, errors): unknown names are ignored, bad values reported per field."""
    prefs = dict(DEFAULTS)
    errors: dict[str, str] = {}
    for name, values in CHOICES.items():
        value = (raw.get(name) or "").strip()
        if not value:
            continue
        if value in values:
            prefs[name] = value
        else:
            errors[name] = ", ".join(values)
    return prefs, errors


def parse(cookie: str | None) -> dict[str, str]:
    """Preferences from the cookie; anything unreadable falls back to the default."""
    prefs, _errors = clean(dict(parse_qsl(cookie or "")))
    return prefs


def serialize(prefs: dict[str, str]) -> str:
    # only what differs from the default: a short cookie
    return urlencode({k: v for k, v in prefs.items() if DEFAULTS.get(k) != v})


def html_classes(prefs: dict[str, str]) -> list[str]:
    """CSS classes for <html>, one per preference that is not the default."""
    return [f"a11y-{name}-{value}" for name, value in prefs.items()
            if name in DEFAULTS and value != DEFAULTS[name]]
