"""Requests that CKAN 2.12's own views answer with a server error, found by the route walk
(tests/walk): each is turned into the answer it deserves before the view runs. Each guard is
named after CKAN's view and says what CKAN does; docs/upstream/ has the fixes for CKAN."""
from __future__ import annotations

from flask import request

import ckan.plugins.toolkit as tk


def login_without_fields():
    """user.login: a POST without the login or password field raises AttributeError in
    User.by_email(None). A browser always sends both; a script may not."""
    if request.endpoint != "user.login" or request.method != "POST":
        return None
    if request.form.get("login") is None or request.form.get("password") is None:
        tk.h.flash_error(tk._("Enter your username or e-mail address and your password."))
        return tk.redirect_to("user.login")
    return None


def group_bulk_process():
    """group.bulk_process: only organizations have bulk actions; for a group CKAN raises
    Exception("Must be an organization")."""
    if request.endpoint == "group.bulk_process":
        tk.abort(404)
    return None


# views that read the pressed button as request.form["save"]: KeyError without it
SAVE_BUTTON = {"resource.new", "resource.edit", "dataset_resource.new", "dataset_resource.edit",
               "admin.config"}


def form_without_its_button():
    """CKAN's resource form and the sysadmin's config form: a POST without the ``save`` button
    (a browser always sends the one pressed) raises KeyError. Refused with a clear 400."""
    if request.method == "POST" and request.endpoint in SAVE_BUTTON and "save" not in request.form:
        tk.abort(400, tk._("The form was sent without its save button. Reload the page and "
                           "save with the button."))
    return None


def bulk_process_without_action():
    """organization.bulk_process: a POST with no action button (make public, make private,
    delete) pops from an empty set. Refused with a clear 400."""
    if (request.endpoint == "organization.bulk_process" and request.method == "POST"
            and not any(key.startswith("bulk_action.") for key in request.form)):
        tk.abort(400, tk._("Choose what to do with the selected datasets: make public, make "
                           "private or delete."))
    return None


def resource_history_of_other_activity():
    """activity.resource_history: the activity named in the URL is read as ``data["package"]``;
    a resource-view activity ("new resource view", recorded on the dataset when a preview or map
    is added) has no package in its data and CKAN raises KeyError. Answered as CKAN's own
    package_history answers the same case: 404."""
    if request.endpoint != "activity.resource_history":
        return None
    activity_id = (request.view_args or {}).get("activity_id")
    try:
        activity = tk.get_action("activity_show")(
            {"ignore_auth": True}, {"id": activity_id, "include_data": True})
    except (tk.ObjectNotFound, tk.ValidationError):
        return None  # CKAN's view answers 404 itself
    if "package" not in (activity.get("data") or {}):
        tk.abort(404, tk._("The detail of this dataset activity is not available"))
    return None


GUARDS = (login_without_fields, group_bulk_process, form_without_its_button,
          bulk_process_without_action, resource_history_of_other_activity)
