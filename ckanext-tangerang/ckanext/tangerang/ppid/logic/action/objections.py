"""Keberatan to the Atasan PPID (UU KIP Ps 35-36) and sengketa at the Komisi Informasi (Ps 37).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import lib, notify, workflow
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.model import Objection, Request, next_number
from ckanext.tangerang.ppid.logic.action.common import (
    _check, _commit, _event, _facts, _objection_dict, _objection_facts, _request_for, _rules,
    written_note,
)


# Objections (keberatan) and disputes (sengketa) -------------------------------------------

def _ground_base(req: Request, ground: str, today: dt.date) -> tuple[dt.date | None, str]:
    """The day a Ps 35(1) ground arose, or None with why it has not (ppid/workflow.py)."""
    base, why = workflow.ground_base(_facts(req), ground, today)
    return base, _(why) if why else ""


def ppid_objection_create(context, data_dict):
    """File a keberatan on the grounds of UU KIP Ps 35(1), within the period of Ps 36(1).

    :param token (requester) or id (officer registering one received on paper)
    :param grounds: letters a-g; :param reasons: required
    :param filed_date: officers only, default today
    """
    tk.check_access("ppid_objection_create", context, data_dict)
    req, role, actor = _request_for(context, data_dict)
    data, errors = schema.validate(data_dict, schema.objection_create(role != "requester"),
                                   context)
    grounds, reasons = data.get("grounds") or [], data.get("reasons")
    today = lib.today()
    filed = data.get("filed_date") or today
    cal = lib.calendar()
    # one keberatan per request (none pending, decided or at the Komisi Informasi), its grounds
    # arisen (Ps 35(1)) and within their period (Ps 36(1)): see ppid/workflow.py
    facts = _check(req, "objection", role, today, errors, cal, grounds=grounds,
                   filed_date=filed or today)
    errors.raise_if_any()
    profile = lib.profile_settings()
    start = workflow.apply(facts, "objection", today, cal, _rules(), filed_date=filed)
    obj = Objection(request_id=req.id, grounds=grounds, reasons=reasons, **start)
    obj.number = lib.format_number(profile.get("objection_number_format",
                                               "{seq:04d}/KEB/{year}"),
                                   next_number("objection", filed.year), filed)
    req.objections.append(obj)
    _event(req, "objection", role, actor, req.state, obj.number)
    _commit([])
    notify.objection_filed(req, obj)
    return _objection_dict(obj)


def _get_objection(data_dict) -> Objection:
    ident = data_dict.get("id")
    obj = model.Session.query(Objection).filter(
        sa.or_(Objection.id == ident, Objection.number == ident)).one_or_none() if ident else None
    if obj is None:
        raise tk.ObjectNotFound(_("Objection not found"))
    return obj


def ppid_objection_decide(context, data_dict):
    """The Atasan PPID decides a keberatan with written reasons (UU KIP Ps 36(2)).

    :param id: objection id or number; :param result: accepted, rejected or musyawarah
    :param reasons: required; :param decided_date: default today
    :param decided_date_reason: required when decided_date is before today; the dispute period
        then runs from the day recorded
    """
    tk.check_access("ppid_objection_decide", context, data_dict)
    obj = _get_objection(data_dict)
    data, errors = schema.validate(data_dict, schema.objection_decide(), context)
    result, reasons = data.get("result"), data.get("reasons")
    today = lib.today()
    decided, date_reason = data.get("decided_date"), data.get("decided_date_reason")
    user = lib.user_obj(context)
    req = model.Session.get(Request, obj.request_id)
    # never the officer who decided, nor the PPID side of the request (Ps 36(2)); musyawarah
    # only for grounds b-g (Ps 35(2)): see ppid/workflow.py
    facts = _check(req, "objection_decide", "atasan", today, errors,
                   objection=_objection_facts(obj), decided_date=decided, result=result,
                   decided_date_reason=date_reason, actor_id=user.id if user else None,
                   actor_handles=lib.can_handle(user, req.opd))
    errors.raise_if_any()
    changes = workflow.apply(facts, "objection_decide", today, lib.calendar(), _rules(),
                             objection=_objection_facts(obj), decided_date=decided, result=result)
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.result_reasons, obj.decided_date_reason = reasons, date_reason
    _event(req, "objection_decide", "atasan", user.id, req.state,
           written_note("objection_decided", number=obj.number, result=result))
    _commit([])
    notify.objection_decided(req, obj)
    return _objection_dict(obj)


def ppid_dispute_create(context, data_dict):
    """Record a sengketa filed with the Komisi Informasi (UU KIP Ps 37(2)): within the dispute
    period after the atasan's decision, or after the atasan's period lapsed undecided.

    :param id: objection; :param filed_date: default today; :param reference: KI register
    :param note
    """
    tk.check_access("ppid_dispute_create", context, data_dict)
    obj = _get_objection(data_dict)
    data, errors = schema.validate(data_dict, schema.dispute_create(), context)
    filed, reference, note = data.get("filed_date"), data.get("reference"), data.get("note")
    cal = lib.calendar()
    today = lib.today()
    user = lib.user_obj(context)
    req = model.Session.get(Request, obj.request_id)
    # only after the Atasan's decision or its lapse, within 14 working days (Ps 37(2))
    facts = _check(req, "dispute", None, today, errors, cal, objection=_objection_facts(obj),
                   filed_date=filed or today)
    errors.raise_if_any()
    for field, value in workflow.apply(facts, "dispute", today, cal, _rules(),
                                       objection=_objection_facts(obj),
                                       filed_date=filed).items():
        setattr(obj, field, value)
    obj.dispute_reference, obj.dispute_note = reference, note
    _event(req, "dispute", lib.role_of(user, req.opd) or "atasan", user.id, req.state,
           " ".join(filter(None, [obj.number, reference])))
    _commit([])
    return _objection_dict(obj)
