"""Safe serving of the files users upload (resource files, organization/group/user images).

CKAN serves them from the portal's own origin, inline, with the type the uploader gave: an
editor's HTML or SVG file would run as a page of the portal (stored XSS). Every such response
therefore becomes a download (``Content-Disposition: attachment``, file name kept) under a
sandbox policy; types a browser would execute are sent as ``application/octet-stream``. Raster
images stay inline so logos and image views still show in ``<img>``."""
from __future__ import annotations

from flask import Response, request
from werkzeug.http import parse_options_header

# the views that send user files: CKAN's resource download (and its dataset-type variants,
# e.g. "dataset_resource.download"), CKAN 2.12's file storages, and the static route that
# serves storage/uploads/{user,group,admin}
FILE_ENDPOINTS = frozenset({"file.download", "file.trusted_download", "file.public_download"})

# shown inline: images a browser only ever decodes, never runs
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"})

# types a browser renders as a document or runs as script
ACTIVE_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
    "text/xsl", "application/xslt+xml", "application/rdf+xml", "application/mathml+xml",
    "text/javascript", "application/javascript", "application/x-javascript", "text/ecmascript",
    "application/ecmascript", "multipart/x-mixed-replace", "application/x-shockwave-flash",
    "text/cache-manifest",
})

SAFE_TYPE = "application/octet-stream"
SANDBOX_POLICY = "sandbox; default-src 'none'"


def is_user_file(endpoint: str | None, view_args: dict | None) -> bool:
    endpoint = endpoint or ""
    if endpoint == "resource.download" or endpoint.endswith("_resource.download"):
        return True
    if endpoint in FILE_ENDPOINTS:
        return True
    if endpoint == "static":
        name = str((view_args or {}).get("filename", "")).lstrip("/")
        return name.startswith("uploads/")
    return False


def is_active_type(mimetype: str) -> bool:
    mimetype = mimetype.lower()
    return (mimetype in ACTIVE_TYPES or mimetype.endswith("+xml") or mimetype.endswith("/xml")
            or "javascript" in mimetype or "ecmascript" in mimetype)


def protect(response: Response) -> Response:
    """Makes a user file's response safe to serve from the portal's origin."""
    # redirects to a linked URL and error pages are not the user's file
    if not (200 <= response.status_code < 300 or response.status_code == 304):
        return response
    mimetype = (response.mimetype or "").lower()
    if is_active_type(mimetype) or not mimetype:
        response.headers["Content-Type"] = SAFE_TYPE
    if mimetype not in INLINE_TYPES:
        _as_attachment(response)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_POLICY
    return response


def _as_attachment(response: Response) -> None:
    current = response.headers.get("Content-Disposition", "")
    _kind, params = parse_options_header(current) if current else ("", {})
    filename = params.get("filename") or _name_from_path()
    if filename:
        # werkzeug quotes the name and adds filename* for non-ASCII names
        response.headers.set("Content-Disposition", "attachment", filename=filename)
    else:
        response.headers["Content-Disposition"] = "attachment"


def _name_from_path() -> str:
    args = request.view_args or {}
    name = args.get("filename") or request.path.rstrip("/").rsplit("/", 1)[-1]
    return str(name).rsplit("/", 1)[-1]
