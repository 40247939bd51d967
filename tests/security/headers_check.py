"""Checks of the portal's security headers, for any test that fetches a page (Flask's test
client or `requests`): ``assert_security_headers(response)`` for a page or API answer,
``assert_user_file_headers(response)`` for an uploaded file, and
``assert_no_inline_code(html, nonce)`` for the HTML of a page."""
from __future__ import annotations

from html.parser import HTMLParser

SANDBOX = "sandbox; default-src 'none'"


def _headers(response):
    return response.headers


def _body(response) -> str:
    text = getattr(response, "text", None)  # requests
    if isinstance(text, str):
        return text
    return response.get_data(as_text=True)  # Flask's test response


def parse_csp(value: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            policy[words[0].lower()] = words[1:]
    return policy


def nonce_of(policy: dict[str, list[str]]) -> str | None:
    for source in policy.get("script-src", []):
        if source.startswith("'nonce-") and source.endswith("'"):
            return source[len("'nonce-"):-1]
    return None


def assert_common_headers(response) -> None:
    h = _headers(response)
    assert h.get("X-Content-Type-Options") == "nosniff", dict(h)
    assert h.get("Referrer-Policy") == "strict-origin-when-cross-origin", dict(h)
    permissions = h.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions, permissions


def assert_security_headers(response, check_html: bool = True) -> dict[str, list[str]]:
    """The headers every page and API answer carries; returns the parsed policy. For an HTML
    page (``check_html``) also that every inline <script> has this response's nonce and no
    element has an inline event handler."""
    assert_common_headers(response)
    h = _headers(response)
    value = h.get("Content-Security-Policy")
    assert value, f"no Content-Security-Policy: {dict(h)}"
    policy = parse_csp(value)
    assert policy.get("default-src") == ["'self'"], value
    script = policy.get("script-src", [])
    assert "'self'" in script and nonce_of(policy), value
    for weak in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert weak not in script, f"script-src allows {weak}: {value}"
    assert policy.get("object-src") == ["'none'"], value
    assert policy.get("base-uri") == ["'self'"], value
    assert policy.get("form-action") == ["'self'"], value
    ancestors = policy.get("frame-ancestors")
    assert ancestors and "*" not in ancestors, value
    if ancestors == ["'self'"]:
        assert h.get("X-Frame-Options") == "SAMEORIGIN", dict(h)
    content_type = h.get("Content-Type", "")
    if check_html and content_type.startswith("text/html"):
        assert_no_inline_code(_body(response), nonce_of(policy))
    return policy


def assert_user_file_headers(response, inline: bool = False) -> None:
    """An uploaded file: never run as a page of the portal."""
    h = _headers(response)
    assert h.get("X-Content-Type-Options") == "nosniff", dict(h)
    assert h.get("Content-Security-Policy") == SANDBOX, dict(h)
    disposition = h.get("Content-Disposition", "")
    if inline:
        assert not disposition.startswith("attachment"), disposition
    else:
        assert disposition.startswith("attachment"), disposition
    content_type = h.get("Content-Type", "").split(";")[0].strip().lower()
    assert content_type not in ("text/html", "image/svg+xml", "application/xhtml+xml",
                                "text/xml", "application/xml", "text/javascript",
                                "application/javascript"), content_type


class _InlineCode(HTMLParser):
    def __init__(self, nonce: str | None):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=...> (inline event handler)")
        if tag == "script" and "src" not in attrs and attrs.get("nonce") != self.nonce:
            self.problems.append(
                f"<script type={attrs.get('type')!r}> without this response's nonce")
        href = (attrs.get("href") or "").strip().lower()
        # a javascript: link runs code when followed, unless a script handles the click
        if href.startswith("javascript:") and href not in ("javascript:void(0);", "javascript:;"):
            self.problems.append(f"<{tag} href={attrs.get('href')!r}>")


def assert_no_inline_code(html: str, nonce: str | None) -> None:
    parser = _InlineCode(nonce)
    parser.feed(html)
    assert parser.problems == [], "\n".join(parser.problems)
