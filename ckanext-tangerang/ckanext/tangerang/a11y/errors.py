"""The portal's error pages: every 4xx and 5xx in the theme and the reader's language, never a
stack trace or a library's wording.

CKAN's handler (``_register_error_handler`` in ckan/config/middleware/flask_app.py) renders
error_document_template.html with werkzeug's English names and descriptions, and for an
unexpected error logs the trace with nothing a reader could quote to the operator. These
handlers take its place on the Flask app: the page text comes from the template (by status
code), an explicit message of ``abort(code, message)`` is shown under it, and a 5xx gets a
reference that is logged together with the trace.
"""
from __future__ import annotations

import html
import logging
import secrets
from typing import Any

import flask
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized, default_exceptions

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)
TEMPLATE = "error_document_template.html"


def register(app: flask.Flask) -> None:
    for code in default_exceptions:
        app.register_error_handler(code, http_error)
    # a view that lets an action's NotFound or NotAuthorized escape (CKAN 2.12's resource form
    # for an unknown dataset does) answers what the action meant, not a server error
    app.register_error_handler(tk.ObjectNotFound, action_error)
    app.register_error_handler(tk.NotAuthorized, action_error)
    # as CKAN does: in debug or testing mode an unexpected error reaches the debugger or the test
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, unexpected_error)


def flask_app(app: Any) -> flask.Flask | None:
    """The Flask app inside the WSGI wrappers that earlier IMiddleware plugins put around it."""
    for _depth in range(20):
        if isinstance(app, flask.Flask):
            return app
        app = getattr(app, "app", None) or getattr(app, "_wsgi_app", None)
    return None


def reference() -> str:
    """Short enough to read out on the phone, random enough to find one line in the log."""
    return secrets.token_hex(5).upper()


def http_error(e: HTTPException):
    code = e.code or 500
    if code >= 500:
        cause = getattr(e, "original_exception", None) or e
        return _server_error(cause, code)
    log.info("%s %s: %s %s", code, e.name, flask.request.method, flask.request.path)
    # werkzeug's own description is English and generic: the template says it better
    detail = e.description if e.description and e.description != type(e).description else None
    login = isinstance(e, (Unauthorized, Forbidden)) and _anonymous()
    return _respond(code, detail=detail, show_login_redirect_link=login)


def action_error(e: Exception):
    code = 404 if isinstance(e, tk.ObjectNotFound) else 403
    log.info("%s from an action: %s %s", code, flask.request.method, flask.request.path)
    return _respond(code, show_login_redirect_link=code == 403 and _anonymous())


def _anonymous() -> bool:
    try:
        return bool(tk.current_user.is_anonymous)
    except Exception:  # the user could not be loaded (its database is what failed)
        return True


def unexpected_error(e: Exception):
    if isinstance(e, HTTPException):
        return http_error(e)
    return _server_error(e, 500)


def _server_error(cause: BaseException, code: int):
    ref = reference()
    log.error("Error reference %s: %s %s", ref, flask.request.method, flask.request.path,
              exc_info=cause if isinstance(cause, BaseException) and cause.__traceback__ else None)
    return _respond(code, reference=ref)


def _wants_json() -> bool:
    """API clients, and clients that ask for JSON rather than HTML, get the error as JSON."""
    if flask.request.path.startswith("/api/"):
        return True
    accept = flask.request.accept_mimetypes
    return bool(accept) and accept["application/json"] > accept["text/html"]


def _respond(code: int, detail: str | None = None, reference: str | None = None,
             show_login_redirect_link: bool = False):
    if _wants_json():
        error: dict[str, Any] = {"__type": _title(code), "message": detail or _title(code)}
        if reference:
            error["reference"] = reference
        return flask.jsonify({"success": False, "error": error}), code
    extra = {"code": code, "content": detail, "reference": reference,
             "show_login_redirect_link": show_login_redirect_link}
    try:
        return tk.render(TEMPLATE, extra_vars=extra), code
    except Exception:  # the page itself failed (a template error, a helper's service down)
        log.exception("Error page %s could not be rendered (reference %s)", code, reference)
        return _plain_page(code, reference, detail), code


def _title(code: int) -> str:
    if code == 404:
        return tk._("Page not found")
    if code in (401, 403):
        return tk._("Access denied")
    if code >= 500:
        return tk._("Something went wrong on our side")
    return tk._("Error %(code)s") % {"code": code}


def _plain_page(code: int, reference: str | None, detail: str | None = None) -> str:
    """The last resort, with nothing that could fail again: no template, no database."""
    try:
        lang = html.escape(tk.h.lang() or "id")
        title, back = _title(code), tk._("Go to the home page")
        ref = tk._("Reference: %(reference)s") % {"reference": reference} if reference else ""
        later = tk._("Please try again in a few minutes.")
    except Exception:
        lang, title, back, later = "en", f"Error {code}", "Go to the home page", "Please try again later."
        ref = f"Reference: {reference}" if reference else ""
    root = html.escape(flask.request.script_root or "") + "/"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head><body><main>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(detail or later)}</p>"
            f"<p>{html.escape(ref)}</p><p><a href=\"{root}\">{html.escape(back)}</a></p>"
            f"</main></body></html>")

