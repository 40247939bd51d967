"""Schemas of the PPID actions, checked with CKAN's navl (``validate``). A schema says what each
field may hold; the rules of the law that join fields and dates (deadlines, one extension, a
decision date not before the last step, grounds arisen...) are the workflow table's
(``ppid/workflow.py``), whose refusals the actions add to the same ``Errors``.

Where what is required depends on the submission (an individual or a legal entity, the outcome
of a decision), the schema function takes it as an argument: each schema is the one for that
submission."""
from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang import city
from ckanext.tangerang.ppid import choices, lib
from ckanext.tangerang.ppid.logic import validators as v
from ckanext.tangerang.ppid.model import APPOINTMENT_ROLES

CONSEQUENCE_PARTS = ("information", "legal_basis", "harm", "public_interest", "record_number")


def _stopping(fn):
    """navl goes on to a field's next validator after one fails, handing it the value as sent;
    here the first failure ends the field's checks (a bad date is not then compared)."""
    params = len(inspect.signature(fn).parameters)
    if params == 4:
        return fn

    def validator(key, data, errors, context):
        try:
            data[key] = fn(data.get(key), context) if params == 2 else fn(data.get(key))
        except tk.Invalid as error:
            errors[key].append(error.error)
            raise tk.StopOnError
    return validator


def validate(data_dict: dict, schema: dict[str, list], context: dict | None = None
             ) -> tuple[dict[str, Any], v.Errors]:
    """The fields of ``schema`` converted, and the errors by field (not raised: the action adds
    the workflow table's refusals and raises them together)."""
    schema = {field: [_stopping(fn) for fn in chain] for field, chain in schema.items()}
    data, found = tk.navl_validate(dict(data_dict), schema, dict(context or {}))
    for key in ("__junk", "__extras", "__before", "__after"):
        data.pop(key, None)
    errors = v.Errors()
    for field, messages in found.items():
        # a field in error is left out, not passed on as sent
        data.pop(field, None)
        for message in messages:
            errors.add(field, message)
    return data, errors


def _opds() -> list[str]:
    return [o.name for o in city.current().opds]


def _text(required: bool = True, max_length: int = 5000) -> list:
    return [v.required() if required else v.optional, v.text(max_length)]


def _choice(allowed, required: bool = True, default: str | None = None) -> list:
    head = [v.default(default)] if default else []
    return head + [v.required(allowed) if required else v.optional, v.one_of(allowed)]


def _date(default=None, not_future: bool = True) -> list:
    head = [v.default(default)] if default is not None else []
    return head + [v.optional, v.date(not_future)]


# Requests -------------------------------------------------------------------------------------

def request_create(officer: bool, requester_type: Any, web: bool, attorney: bool) -> dict:
    """The request form; ``officer`` adds the channel, date of receipt and OPD of a request
    received elsewhere (``web``: the identity scan is required only on the web form)."""
    profile = lib.profile_settings()
    schema = {
        "requester_type": _choice(choices.REQUESTER_TYPES, default="individual"),
        "name": _text(max_length=200),
        "address": _text(max_length=500),
        "occupation": _text(False, 200),
        "information": _text(),
        "purpose": _text(),
        "email": [v.optional, v.text(254), v.email],
        "phone": [v.optional, v.text(32), v.phone],
        "attorney_name": _text(False, 200),
        "obtain_method": _choice(choices.OBTAIN_METHODS),
        "delivery_method": _choice(choices.DELIVERY_METHODS),
        "consent": [v.boolean],
        "identity_upload": [v.required(message=_("Missing file")) if web else v.optional,
                            v.upload],
        "attorney_upload": [v.required(message=_("Missing file")) if web and attorney
                            else v.optional, v.upload],
        "submission_key": _text(False, 100),
        "language": [v.optional, v.text(10)],
    }
    if requester_type == "legal_entity":
        schema["sk_number"] = _text(max_length=200)
    elif requester_type in (None, "", "individual"):
        schema["nik"] = [v.required(), v.text(32), v.nik]
    if officer:
        schema.update({
            "channel": _choice(lambda: choices.channels(profile), default="web"),
            "received_date": _date(),
            "opd": _choice(_opds, required=False),
        })
    else:
        schema["channel"] = [v.optional, v.text(50)]
    return schema


def request_resend_link() -> dict:
    return {"number": _text(max_length=100), "email": [v.required(), v.text(254), v.email]}


def request_list() -> dict:
    return {
        "state": _choice(choices.STATES, required=False),
        "opd": _text(False, 100),
        "year": [v.optional, v.integer(2008, 2100)],
        "overdue": [v.boolean],
        "q": _text(False, 100),
        **paging(lib.setting("officer_page_size")),
    }


def paging(default: int) -> dict:
    return {"limit": [v.default(default), v.integer(1, 1000)],
            "offset": [v.default(0), v.integer(0, 10 ** 9)]}


def year() -> dict:
    return {"year": [v.default(lambda: lib.today().year), v.integer(2008, 2100)]}


def request_route() -> dict:
    return {"opd": _choice(_opds), "note": _text(False)}


def request_ask_completion() -> dict:
    return {"note": _text()}


def request_complete() -> dict:
    return {"note": _text(), "upload": [v.optional, v.upload]}


def request_extend(most: int) -> dict:
    return {"days": [v.required(), v.integer(1, most, "UU KIP Ps 22(8)")], "reason": _text()}


def consequence_test(grounds_temporary: bool) -> dict:
    """The consequence test of an exemption (UU KIP Ps 19, Perki 1/2021 Ps 22): each part
    stated; its time limit a date, required for Ps 17 a-f (not permanent, Ps 20)."""
    stated = v.required(message=_("The consequence test record must state this (UU KIP Ps 19, "
                                  "Perki 1/2021 Ps 22)"))
    schema = {f"consequence_test_{part}": [stated, v.text()] for part in CONSEQUENCE_PARTS}
    schema["consequence_test_until"] = [
        v.required(message=_("Exemptions under Ps 17 a-f are not permanent: give their time "
                             "limit (UU KIP Ps 20)")) if grounds_temporary else v.optional,
        v.date(not_future=False), exempt_until]
    return schema


def exempt_until(value: dt.date) -> dt.date:
    """A time limit of an exemption lies ahead (UU KIP Ps 20)."""
    if value <= lib.today():
        raise tk.Invalid(_("The time limit of an exemption must be after today, %(date)s "
                           "(UU KIP Ps 20)") % {"date": lib.day_text(lib.today())})
    return value


def flat_consequence_test(data_dict: dict) -> dict:
    """The test as one object (``consequence_test``, the API) or as the form's fields."""
    nested = v.as_dict(data_dict.get("consequence_test"))
    out = dict(data_dict)
    for part in CONSEQUENCE_PARTS + ("until",):
        if nested.get(part) not in (None, ""):
            out[f"consequence_test_{part}"] = nested[part]
    return out


def consequence_test_record(data: dict) -> dict[str, str]:
    """The validated test as it is stored (parts as text, ``until`` an ISO date or "")."""
    test = {part: data.get(f"consequence_test_{part}") or "" for part in CONSEQUENCE_PARTS}
    until = data.get("consequence_test_until")
    test["until"] = until.isoformat() if until else ""
    return test


def temporary_grounds(data_dict: dict) -> bool:
    """Whether the grounds sent include one of Ps 17 a-f (exemptions with a time limit)."""
    raw = data_dict.get("exemption_grounds") or []
    if isinstance(raw, str):
        raw = raw.split(",")
    return any(str(g).strip() in choices.TEMPORARY_GROUNDS for g in raw)


def exemption_grounds() -> dict:
    return {"exemption_grounds": [
        v.required(message=_("Exempting information requires a ground of UU KIP Ps 17 (a-j)")),
        v.many_of(choices.EXEMPTION_GROUNDS)]}


def request_decide(outcome: Any, grounds_temporary: bool) -> dict:
    schema = {
        "outcome": _choice(choices.OUTCOMES),
        "reasons": _text(),
        "cost": [v.default(0), v.integer(0, 100_000_000)],
        "cost_note": _text(False),
        "decided_date": _date(default=lib.today(), not_future=False),
        "decided_date_reason": _text(False),
        "documents": [v.optional, v.uploads],
    }
    if outcome in ("granted", "partly"):
        schema["given"] = _text()
    if outcome == "not_held":
        schema["holder"] = _text(max_length=300)
    if outcome in choices.EXEMPT_OUTCOMES:
        schema.update(exemption_grounds())
        schema.update(consequence_test(grounds_temporary))
    if outcome == "partly":
        schema["exempt_parts"] = _text()
    return schema


# Objections and disputes ------------------------------------------------------------------------

def objection_create(officer: bool) -> dict:
    schema = {
        "grounds": [v.required(message=_("Choose at least one ground of UU KIP Ps 35(1) "
                                         "(a-g)")), v.many_of(choices.OBJECTION_GROUNDS)],
        "reasons": _text(),
    }
    if officer:   # one received on paper: the date it was filed
        schema["filed_date"] = _date(default=lib.today())
    return schema


def objection_decide() -> dict:
    return {
        "result": _choice(choices.OBJECTION_RESULTS),
        "reasons": _text(),
        "decided_date": _date(default=lib.today(), not_future=False),
        "decided_date_reason": _text(False),
    }


def dispute_create() -> dict:
    return {"filed_date": _date(default=lib.today()), "reference": _text(False, 200),
            "note": _text(False)}


# Calendar, DIP, personal data ---------------------------------------------------------------

def holiday_create() -> dict:
    return {"date": [v.required(), v.date(not_future=False)], "name": _text(max_length=200),
            "working": [v.boolean]}


def holiday_delete() -> dict:
    return {"date": [v.required(), v.date(not_future=False)]}


def dip_entry(category: Any, grounds_temporary: bool) -> dict:
    """An entry of the Daftar Informasi Publik; one in the ``dikecualikan`` category carries
    its Ps 17 grounds and consequence test like a rejected request."""
    schema = {
        "number": _text(max_length=100),
        "summary": _text(),
        "opd": _choice(_opds),
        "holder": _text(max_length=300),
        "responsible": _text(max_length=300),
        "made": _text(max_length=300),
        "form": _choice(choices.DIP_FORMS),
        "retention": _text(max_length=200),
        "category": _choice(choices.DIP_CATEGORIES),
        "package_id": [v.optional, v.text(100), active_dataset],
    }
    if category == "dikecualikan":
        schema.update(exemption_grounds())
        schema.update(consequence_test(grounds_temporary))
    return schema


def active_dataset(value: str) -> str:
    pkg = model.Package.get(value)
    if pkg is None or pkg.state != "active":
        raise tk.Invalid(_("Dataset not found"))
    return pkg.id


def personal_data_reveal() -> dict:
    return {"reason": _text(max_length=500)}


def subject_request_create(kinds) -> dict:
    return {"kind": _choice(kinds), "confirm": [v.boolean]}


def subject_request_close() -> dict:
    return {"note": _text(max_length=500)}


# Appointments ---------------------------------------------------------------------------------

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
    names = _opds()
    if value not in names:
        raise tk.Invalid(_("Unknown OPD \"%(opd)s\"; allowed: the OPD of the city profile "
                           "(%(allowed)s)") % {"opd": value, "allowed": ", ".join(names)})
    return value


def appointment_create_schema() -> dict[str, list]:
    return {
        "user": [v.required(message=_("Missing value") + "; " +
                            _("give the user name of the officer")), v.text(200),
                 appointment_user],
        "role": [v.required(message=_("Missing value") + "; " + _("allowed: %(allowed)s") %
                            {"allowed": ", ".join(APPOINTMENT_ROLES)}), v.text(50),
                 appointment_role],
        "opd": [v.optional, v.text(100), appointment_opd],
        "decree": _text(False, 300),
    }


def appointment_delete_schema() -> dict[str, list]:
    return {"id": [v.required(message=_("Missing value") + "; " +
                              _("give the id of the appointment")), v.text(100)]}


def appointment_list_schema() -> dict[str, list]:
    return {
        "role": [v.optional, v.text(50), appointment_role],
        "opd": [v.optional, v.text(100), appointment_opd],
    }
