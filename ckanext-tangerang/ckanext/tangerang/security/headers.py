"""HTTP security headers on every response of the portal, in every deployment (not only
behind the production proxy): a Content-Security-Policy without inline script (inline
<script> elements of our templates carry the per-request nonce of `csp_nonce()`), nosniff,
a referrer policy, a permissions policy, framing by the portal itself only, and
`Cache-Control: private` for responses to signed-in users and API tokens."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Response, g, request

import ckan.plugins.toolkit as tk

from ckanext.tangerang.security import uploads

NONCE_ATTR = "tangerang_csp_nonce"

REFERRER_POLICY = "strict-origin-when-cross-origin"
# powerful features the portal never uses (the map does not locate the reader)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb"))

# CKAN's static files and web assets
SHARED_ENDPOINTS = frozenset({"static", "webassets.index"})

CSP_OPTION = "ckanext.tangerang.security.csp.extra_sources"
REPORT_ONLY_OPTION = "ckanext.tangerang.security.csp.report_only"
FRAME_ANCESTORS_OPTION = "ckanext.tangerang.security.frame_ancestors"
# sources configured elsewhere that the portal's pages load from
BASEMAP_OPTION = "ckanext.tangerang.satupeta.basemap_url"
VIDEOS_OPTION = "ckanext.tangerang.a11y.bisindo_videos"


def csp_nonce() -> str:
    """This request's nonce: the value of `nonce=` on inline <script> elements."""
    nonce = g.get(NONCE_ATTR)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(g, NONCE_ATTR, nonce)
    return nonce


def _origin(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.hostname:
        # a tile template such as https://{s}.tile.example/{z}/{x}/{y}.png: the scheme is
        # enough for a subdomain wildcard CSP cannot express
        if "{" in parts.netloc:
            return f"{parts.scheme}:"
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _extra_sources() -> dict[str, list[str]]:
    extra: dict[str, list[str]] = {}
    for entry in tk.config.get(CSP_OPTION) or []:
        directive, _sep, source = entry.partition("=")
        if directive.strip() and source.strip():
            extra.setdefault(directive.strip().lower(), []).append(source.strip())
    basemap = _origin(tk.config.get(BASEMAP_OPTION) or "")
    if basemap:
        # MapLibre fetches raster tiles (connect) and decodes them as images
        extra.setdefault("img-src", []).append(basemap)
        extra.setdefault("connect-src", []).append(basemap)
    for entry in tk.config.get(VIDEOS_OPTION) or []:
        video = _origin(entry.partition("=")[2])
        if video:
            extra.setdefault("media-src", []).append(video)
    return extra


def frame_ancestors() -> list[str]:
    return [s for s in (tk.config.get(FRAME_ANCESTORS_OPTION) or ["'self'"]) if s]


def content_security_policy(nonce: str) -> str:
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        # CKAN's and our templates set style="" attributes; htmx and Bootstrap add inline styles
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": frame_ancestors(),
    }
    for directive, sources in _extra_sources().items():
        current = directives.setdefault(directive, ["'self'"])
        current.extend(s for s in sources if s not in current)
    return "; ".join(f"{d} {' '.join(s)}" for d, s in directives.items())


def mark_private() -> None:
    """Before the view: a response to an API token or a signed-in user is nobody else's.

    CKAN marks a response `public` unless the request environ carries `__no_cache__` (set
    only when a template is rendered for a signed-in user), so the API's JSON for a token
    holder would be cacheable by a shared proxy; the flag makes CKAN send `private`."""
    if request.endpoint in SHARED_ENDPOINTS:
        return  # the same static file for everyone: shared caches may keep it
    token_header = tk.config.get("apitoken_header_name") or "Authorization"
    if (request.headers.get(token_header) or request.headers.get("Authorization")
            or tk.current_user.is_authenticated):
        request.environ["__no_cache__"] = True


def set_headers(response: Response) -> Response:
    """After the view: the headers every response carries."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if frame_ancestors() == ["'self'"]:
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if uploads.is_user_file(request.endpoint, request.view_args):
        return uploads.protect(response)
    if headers.get("Content-Disposition", "").lower().startswith("attachment"):
        # any other download (PPID documents, zips, layer files): never a page of the portal
        headers["Content-Security-Policy"] = uploads.SANDBOX_POLICY
        return response
    name = ("Content-Security-Policy-Report-Only" if tk.config.get(REPORT_ONLY_OPTION)
            else "Content-Security-Policy")
    if "Content-Security-Policy" not in headers:
        headers[name] = content_security_policy(csp_nonce())
    return response
