"""The schema of the audit trail's reading (``tangerang_audit_list``), checked with CKAN's navl:
each refusal names the field and says what it takes."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _

from ckanext.tangerang.security.model import CHANNELS, EVENTS

MAX_LIMIT = 1000
DEFAULT_LIMIT = 50


def _empty(value: Any) -> bool:
    return value is tk.missing or value is None or (isinstance(value, str) and not value.strip())


def _refuse(key, errors, message: str):
    errors[key].append(message)
    raise tk.StopOnError


def optional(key, data, errors, context):
    if _empty(data.get(key)):
        data.pop(key, None)
        raise tk.StopOnError


def default(value):
    def validator(key, data, errors, context):
        if _empty(data.get(key)):
            data[key] = value
    return validator


def one_of(allowed, label):
    def validator(key, data, errors, context):
        value = data.get(key)
        if value not in allowed:
            _refuse(key, errors, _("{field}: \"{value}\" is not allowed; choose one of: {allowed}")
                    .format(field=label(), value=value, allowed=", ".join(allowed)))
    return validator


def text(max_length, label):
    def validator(key, data, errors, context):
        value = data.get(key)
        if not isinstance(value, str) or len(value.strip()) > max_length:
            _refuse(key, errors, _("{field}: a text of at most {max} characters")
                    .format(field=label(), max=max_length))
        data[key] = value.strip()
    return validator


def whole_number(low, high, label):
    def validator(key, data, errors, context):
        value = data.get(key)
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            if high is None:
                message = _("{field}: a whole number of {min} or more")
            else:
                message = _("{field}: a whole number from {min} to {max}")
            _refuse(key, errors, message.format(field=label(), min=low, max=high))
        data[key] = number
    return validator


def moment(end_of_day, label):
    """A date (YYYY-MM-DD: the start of the day, or its end for ``until``) or an ISO 8601 date and
    time, in UTC unless it says otherwise."""
    def validator(key, data, errors, context):
        value = str(data.get(key)).strip()
        try:
            if len(value) == 10:
                day = dt.date.fromisoformat(value)
                when = dt.datetime.combine(day, dt.time(), dt.timezone.utc)
                if end_of_day:
                    when += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
            else:
                when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.timezone.utc)
        except ValueError:
            _refuse(key, errors, _("{field}: a date as YYYY-MM-DD, or a date and time as "
                                   "2026-11-30T08:00:00Z (UTC)").format(field=label()))
        data[key] = when
    return validator


def _labels() -> dict:
    return {
        "event": lambda: _("Event type"), "actor": lambda: _("Changed by"),
        "object": lambda: _("Object"), "channel": lambda: _("Channel"),
        "since": lambda: _("From"), "until": lambda: _("Until"),
        "limit": lambda: _("Rows per page"), "offset": lambda: _("Offset"),
    }


def field_label(field: str) -> str:
    label = _labels().get(field)
    return label() if label else field


def audit_list_schema() -> dict:
    label = _labels()
    return {
        "event": [optional, one_of(EVENTS, label["event"])],
        "channel": [optional, one_of(CHANNELS, label["channel"])],
        "actor": [optional, text(200, label["actor"])],
        "object": [optional, text(200, label["object"])],
        "since": [optional, moment(False, label["since"])],
        "until": [optional, moment(True, label["until"])],
        "limit": [default(DEFAULT_LIMIT), whole_number(1, MAX_LIMIT, label["limit"])],
        "offset": [default(0), whole_number(0, None, label["offset"])],
    }


def audit_show_schema() -> dict:
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("unicode_safe")]}


def validate(data_dict: dict, schema: dict, context: dict) -> dict:
    """The fields converted, or a ValidationError naming each refused field."""
    data, errors = tk.navl_validate(dict(data_dict), schema, dict(context))
    errors = {key: messages for key, messages in errors.items() if messages}
    if (not errors and data.get("since") and data.get("until")
            and data["until"] < data["since"]):
        errors["until"] = [_("{field}: must not be before {other}").format(
            field=field_label("until"), other=field_label("since"))]
    if errors:
        raise tk.ValidationError(errors)
    for key in ("__junk", "__extras", "__before", "__after"):
        data.pop(key, None)
    return data
