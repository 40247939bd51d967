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
