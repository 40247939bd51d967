"""The app-wide hooks: a blueprint's before/after_app_request hooks run for every request of the
portal (CKAN's views and ours), after CKAN has identified the user."""
from __future__ import annotations

from flask import Blueprint

from ckanext.tangerang.security import csrf
from ckanext.tangerang.security import guards
from ckanext.tangerang.security import headers
from ckanext.tangerang.security import limits

security = Blueprint("tangerang_security", __name__)

security.before_app_request(csrf.enforce)
security.before_app_request(headers.mark_private)
security.after_app_request(headers.set_headers)
# abuse limits by endpoint name: CKAN's user views cannot be decorated from here
security.before_app_request(limits.enforce)
security.record_once(lambda state: limits.check_config())
for guard in guards.GUARDS:
    security.before_app_request(guard)


def get_blueprints():
    return [security]
