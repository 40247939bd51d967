"""What page tests share about the portal's forms."""
from __future__ import annotations

import re

_INPUT = re.compile(r'<input\b[^>]*\bname="_csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]+)"')
_META = re.compile(r'<meta name="_csrf_token" content="([^"]+)"')


def csrf_field(html: str) -> dict[str, str]:
    """The form's CSRF field as POST data (the hidden input, else the page's meta tag), or {}."""
    tag = _INPUT.search(html)
    found = _VALUE.search(tag.group(0)) if tag else _META.search(html)
    return {"_csrf_token": found.group(1)} if found else {}


def post_form(app, url: str, data: dict | None = None, page: str | None = None, **kw):
    """A form post as the browser sends it: with the CSRF field of the page the form is on
    (``page``, by default the URL posted to)."""
    token = csrf_field(app.get(page or url).body)
    return app.post(url, data={**(data or {}), **token}, **kw)
