"""CSRF on every state-changing request that a browser could be tricked into sending.

CKAN 2.12 turns CSRF off for a view by adding the view to flask-wtf's exemption list whenever a
request to it comes without a session (an API token, or anyone anonymous), and that list lives
as long as the worker: after one anonymous POST to a form, the form is unprotected for every
logged-in user of that worker (docs/upstream/ckan-csrf-exemption-per-request.patch). This hook
runs before flask-wtf's own check, decides for this request alone, and checks the token with
flask-wtf itself (no exemptions applied).

Left unchecked: requests authenticated by an API token (a forged page cannot send the header)
and anonymous API calls (they carry no credential to abuse). Everything else that changes state,
the API with a session cookie included, needs the token.
"""
from __future__ import annotations

import logging

from flask import current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

import ckan.plugins.toolkit as tk
from ckan.config.middleware.flask_app import csrf as ckan_csrf

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# never init_app'ed: only its protect() is used, with the settings CKAN gave the app
_protector = CSRFProtect()


def _is_api() -> bool:
    return (request.blueprint or "").split(".")[0] == "api"


def _blueprint_exempt() -> bool:
    """A blueprint its extension exempted once, at registration, with CKAN's `csrf.exempt`
    (a service for non-browser clients, e.g. Satu Peta's /csw). Views are not looked at: CKAN
    marks those per request."""
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return blueprint is not None and blueprint in getattr(ckan_csrf, "_exempt_blueprints", ())


def needs_token() -> bool:
    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return False
    if _blueprint_exempt():
        return False
    signed_in = bool(tk.current_user and tk.current_user.is_authenticated)
    if signed_in and g.get("login_via_auth_header"):
        return False  # API token in a header
    if not signed_in and _is_api():
        return False
    return True


def enforce():
    """before_app_request: raises flask-wtf's CSRFError (HTTP 400) on a missing or bad token."""
    if not needs_token():
        return
    try:
        _protector.protect()
    except CSRFError as e:
        # flask-wtf's reason ("The CSRF token is missing.") goes to the log; the reader gets what to do
        log.info("CSRF refused: %s %s (%s)", request.method, request.path, e.description)
        raise CSRFError(tk._("The form was refused because its security token is missing, expired or "
                             "not from this site. Go back, reload the page and send the form again.")
                        ) from e
