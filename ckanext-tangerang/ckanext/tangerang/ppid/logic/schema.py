"""Schemas of the PPID actions checked with CKAN's navl (the request steps, with their
cross-field rules, use ``validators.Errors``). Every message names what is allowed."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang import city
from ckanext.tangerang.ppid.model import APPOINTMENT_ROLES


def _required(hint):
    def validator(key, data, errors, context):
        value = data.get(key)
        if value is tk.missing or value is None or not str(value).strip():
            errors[key].append(_("Missing value") + "; " + hint())
            raise tk.StopOnError
    return validator


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _max_length(limit: int):
    def validator(value):
        if value is not None and len(str(value)) > limit:
            raise tk.Invalid(_("Must be at most %(max)s characters") % {"max": limit})
        return value
    return validator


def appointment_user(value: Any, context: dict) -> str:
    """An active account, by name or id; the value becomes the user's id."""
    user = model.User.get(str(value))
    if user is None or user.state != "active":
        raise tk.Invalid(_("No active user named \"%(user)s\": give the user name of an "
                           "existing account") % {"user": value})
    return user.id


def appointment_role(value: Any) -> str:
    if value not in APPOINTMENT_ROLES:
        raise tk.Invalid(_("Role not allowed; allowed: %(allowed)s") %
                         {"allowed": ", ".join(APPOINTMENT_ROLES)})
    return value


def appointment_opd(value: Any) -> str:
    names = [o.name for o in city.current().opds]
    if value not in names:
        raise tk.Invalid(_("Unknown OPD \"%(opd)s\"; allowed: the OPD of the city profile "
                           "(%(allowed)s)") % {"opd": value, "allowed": ", ".join(names)})
    return value


def appointment_create_schema() -> dict[str, list]:
    ignore_empty = tk.get_validator("ignore_empty")
    unicode_safe = tk.get_validator("unicode_safe")
    return {
        "user": [_required(lambda: _("give the user name of the officer")), unicode_safe,
                 _strip, appointment_user],
        "role": [_required(lambda: _("allowed: %(allowed)s") %
                           {"allowed": ", ".join(APPOINTMENT_ROLES)}),
                 unicode_safe, _strip, appointment_role],
        "opd": [ignore_empty, unicode_safe, _strip, appointment_opd],
        "decree": [ignore_empty, unicode_safe, _strip, _max_length(300)],
    }


def appointment_delete_schema() -> dict[str, list]:
    return {"id": [_required(lambda: _("give the id of the appointment")),
                   tk.get_validator("unicode_safe")]}


def appointment_list_schema() -> dict[str, list]:
    ignore_empty = tk.get_validator("ignore_empty")
    unicode_safe = tk.get_validator("unicode_safe")
    return {
        "role": [ignore_empty, unicode_safe, appointment_role],
        "opd": [ignore_empty, unicode_safe, appointment_opd],
    }
