"""The app-wide hooks: a blueprint's before/after_app_request hooks run for every request of the
portal (CKAN's views and ours), after CKAN has identified the user; and the sysadmins' page of the
audit trail (/ckan-admin/audit)."""
from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, request

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _

from ckanext.tangerang.security import csrf
from ckanext.tangerang.security import guards
from ckanext.tangerang.security import headers
from ckanext.tangerang.security import limits
from ckanext.tangerang.security.model import CHANNELS, EVENTS

security = Blueprint("tangerang_security", __name__)

security.before_app_request(csrf.enforce)
security.before_app_request(headers.mark_private)
security.after_app_request(headers.set_headers)
# abuse limits by endpoint name: CKAN's user views cannot be decorated from here
security.before_app_request(limits.enforce)
security.record_once(lambda state: limits.check_config())
for guard in guards.GUARDS:
    security.before_app_request(guard)


audit = Blueprint("tangerang_audit", __name__, url_prefix="/ckan-admin")

AUDIT_FILTERS = ("event", "actor", "object", "channel", "since", "until")
AUDIT_PAGE_SIZE = 50


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _in_display_timezone(value: str, end_of_day: bool) -> str:
    """A day typed on the page is a day of the portal's time zone, in which its times are shown
    (the action takes UTC unless told); anything else goes to the action as typed."""
    try:
        day = dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return value
    zone = tk.h.get_display_timezone()
    start = dt.datetime.combine(day, dt.time())
    if end_of_day:
        start += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    # pytz zones need localize(); zoneinfo zones take tzinfo directly
    when = zone.localize(start) if hasattr(zone, "localize") else start.replace(tzinfo=zone)
    return when.isoformat()


@audit.route("/audit")
def audit_index():
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.full_path)
    context = {"user": tk.current_user.name, "auth_user_obj": tk.current_user}
    try:
        tk.check_access("tangerang_audit_list", context, {})
    except tk.NotAuthorized:
        return tk.abort(403, _("Only sysadmins may read the audit trail"))
    filters = {key: request.args.get(key, "").strip() for key in AUDIT_FILTERS}
    page = _page_number()
    data = {key: value for key, value in filters.items() if value}
    for key in ("since", "until"):
        if key in data:
            data[key] = _in_display_timezone(data[key], key == "until")
    data.update(limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE)
    errors: dict = {}
    try:
        result = tk.get_action("tangerang_audit_list")(context, data)
    except tk.ValidationError as error:
        errors = {key: value for key, value in error.error_dict.items() if key in AUDIT_FILTERS}
        result = {"count": 0, "results": []}
    for row in result["results"]:
        row["created_dt"] = dt.datetime.fromisoformat(row["created"])
    pages = max(1, math.ceil(result["count"] / AUDIT_PAGE_SIZE))
    kept = {key: value for key, value in filters.items() if value}

    def page_url(number: int) -> str:
        return tk.h.url_for("tangerang_audit.audit_index", page=number, **kept)
    return tk.render("security/audit.html", {
        "filters": filters, "errors": errors, "rows": result["results"],
        "events": EVENTS, "channels": CHANNELS,
        "count": result["count"], "page": page, "pages": pages,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
    })


def get_blueprints():
    return [security, audit]
