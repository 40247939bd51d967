"""Requests for public information (UU KIP Ps 22): registration, routing, completion, extension
and the written decision, each step checked against the workflow table first.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang import city
from ckanext.tangerang.ppid import choices, crypto, lib, notify, workflow
from ckanext.tangerang.ppid.logic import personal
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.model import Request, next_number
from ckanext.tangerang.ppid.logic.action.common import (
    _cached, _check, _commit, _event, _iso, _request_for, _request_full, _request_public, _request_requester, _rules, _store_files,
    written_note,
)


# Requests ---------------------------------------------------------------------------------

@tk.side_effect_free
def ppid_choices(context, data_dict):
    """The closed lists with their labels in the current language (for forms and clients)."""
    tk.check_access("ppid_choices", context, data_dict)
    profile = lib.profile_settings()
    return {
        "requester_types": choices.requester_types(), "obtain_methods": choices.obtain_methods(),
        "delivery_methods": choices.delivery_methods(), "outcomes": choices.outcomes(),
        "exemption_grounds": choices.exemption_grounds(),
        "objection_grounds": choices.objection_grounds(), "states": choices.states(),
        "dip_categories": choices.dip_categories(), "dip_forms": choices.dip_forms(),
        "channels": choices.channels(profile, tk.h.lang() if tk.request else "id"),
        "opds": {o.name: o.title for o in city.current().opds},
    }


def ppid_request_create(context, data_dict):
    """Receive a request (UU KIP Ps 22): from the public web form (no account needed) or
    registered by an officer for another channel.

    :param requester_type: individual or legal_entity
    :param name, address, information, purpose: required text
    :param nik: 16-digit NIK (individual); :param sk_number: decree number (legal entity)
    :param phone, email: at least one; :param occupation: optional
    :param obtain_method: view, read, listen, note, softcopy, hardcopy
    :param delivery_method: pickup, courier, post, fax, email
    :param consent: must be true (UU PDP)
    :param identity_upload: KTP or SK scan (PDF/JPEG/PNG); required on the web form
    :param attorney_upload, attorney_name: when acting for someone else
    :param submission_key: makes a double submit return the first request
    :param language: of the mail to the requester (a language the portal offers; default the
        language of the page the form was filed on)
    :param channel, received_date, opd: officers only
    :returns: the request as the requester sees it, with ``tracking_token`` and ``tracking_url``
    """
    tk.check_access("ppid_request_create", context, data_dict)
    user = lib.user_obj(context)
    officer = lib.is_utama(user) or bool(lib.pelaksana_opds(user))
    profile = lib.profile_settings()
    web = not officer or data_dict.get("channel") in (None, "", "web")
    data, errors = schema.validate(data_dict, schema.request_create(
        officer, data_dict.get("requester_type"), web, bool(data_dict.get("attorney_name"))),
        context)

    channel = data.get("channel") if officer else "web"
    # outside the service days and hours of the city profile: the next working day (setting)
    arrived = lib.today()
    received = lib.receipt_date()
    opd = None
    if officer:
        if data.get("received_date"):
            arrived = data["received_date"]
            received = lib.receipt_date(day=arrived)
        opd = data.get("opd")
        if opd and not lib.can_handle(user, opd):
            errors.add("opd", _("You may register requests only for your own OPD"))
        if not opd and not lib.is_utama(user) and "opd" not in errors:
            mine = sorted(lib.pelaksana_opds(user))
            if len(mine) == 1:
                opd = mine[0]
            else:  # a Pelaksana of several OPDs says which one; never a guess
                errors.add("opd", _("You handle the requests of several OPDs (%(opds)s): choose the "
                                    "one this request is for") % {"opds": ", ".join(mine)})
    elif data.get("channel") not in (None, "web"):
        errors.add("channel", _("Only officers may register requests from other channels"))

    requester_type = data.get("requester_type")
    values = {field: data.get(field) for field in (
        "name", "address", "occupation", "information", "purpose", "email", "phone",
        "attorney_name", "obtain_method", "delivery_method", "nik", "sk_number")}
    if not data_dict.get("email") and not data_dict.get("phone") and "email" not in errors:
        errors.add("email", _("Give an email address or a phone number (Perki 1/2021)"))
    if values["delivery_method"] == "email" and not data_dict.get("email"):
        errors.add("email", _("An email address is needed for delivery by email"))
    if not data.get("consent"):
        errors.add("consent", _("Consent to the processing of personal data is required "
                                "(UU 27/2022 on Personal Data Protection)"))
    identity, attorney = data.get("identity_upload"), data.get("attorney_upload")
    key = data.get("submission_key")
    errors.raise_if_any()

    # a double submit: the same form sent twice by the same requester gives the first request
    # back; the same key from someone else is a new request (never another's number and link)
    key = _submission_key(key, values) if key else None
    if key:
        existing = model.Session.query(Request).filter(Request.submission_key == key).one_or_none()
        if existing is not None:
            return _created_result(existing, duplicate=True)
    same = (model.Session.query(Request)
            .filter(Request.received_date == received, Request.information == values["information"],
                    Request.purpose == values["purpose"],
                    Request.nik_hash.is_(None) if values["nik"] is None
                    else Request.nik_hash.in_(crypto.blind_indexes(values["nik"])),
                    Request.sk_number.is_(None) if values["sk_number"] is None
                    else Request.sk_number == values["sk_number"])
            .first())
    if same is not None:
        # no token: only the first submitter's link opens the request
        result = _request_public(same)
        result["duplicate"] = True
        return result

    cal = lib.calendar()
    req = Request(channel=channel, requester_type=requester_type, consent_at=dt.datetime.utcnow(),
                  user_id=user.id if user and not officer else None, opd=opd,
                  state="processing" if opd else "received", received_date=received,
                  clock_start=received, submission_key=key, **values)
    req.id = str(uuid.uuid4())
    # mail to the requester is written in the language of the form (or the one asked for)
    req.language = data.get("language") if data.get("language") in lib.languages() \
        else lib.current_language()
    req.tracking_hash = lib.token_hash(lib.tracking_token(req.id))
    req.due_date = workflow.decision_due(cal, _rules(), received, None)
    req.number = lib.format_number(profile.get("number_format", "{seq:05d}/PPID/{year}"),
                                   next_number("request", received.year), received)
    model.Session.add(req)
    written: list[str] = []
    if identity:
        _store_files(req, [identity], "identity", written)
    if attorney:
        _store_files(req, [attorney], "attorney", written)
    role = lib.role_of(user, opd) if officer else "requester"
    _event(req, "register" if officer else "create", role, user.id if officer else None, None,
           written_note("channel", code=channel))
    try:
        _commit(written)
    except IntegrityError:
        # the same submission_key committed by a parallel submit
        existing = model.Session.query(Request).filter(Request.submission_key == key).one_or_none()
        if key and existing is not None:
            return _created_result(existing, duplicate=True)
        raise
    notify.receipt(req, lib.tracking_token(req.id), arrived)
    notify.new_request(req)
    return _created_result(req, duplicate=False)


def _submission_key(key: str, values: dict[str, Any]) -> str:
    """The form's key scoped to its requester (NIK or SK number, and email or phone), kept as
    an HMAC: no personal data in the column, and no other person's request behind a key."""
    who = "|".join(str(values.get(f) or "").strip().lower()
                   for f in ("nik", "sk_number", "email", "phone"))
    secret = (tk.config.get("SECRET_KEY") or tk.config.get("beaker.session.secret") or "").encode()
    return hmac.new(secret, f"ppid-submit:{who}|{key}".encode(), hashlib.sha256).hexdigest()


def _created_result(req: Request, duplicate: bool) -> dict[str, Any]:
    token = lib.tracking_token(req.id)
    result = _request_requester(req)
    result.update({"tracking_token": token, "tracking_url": lib.tracking_url(token),
                   "duplicate": duplicate})
    return result


def ppid_request_resend_link(context, data_dict):
    """Mail the tracking link again to the address given with the request. The answer is the
    same whether or not number and email match, so it tells nobody who asked for what.

    :param number: nomor pendaftaran; :param email: the requester's email address
    """
    tk.check_access("ppid_request_resend_link", context, data_dict)
    data, errors = schema.validate(data_dict, schema.request_resend_link(), context)
    errors.raise_if_any()
    number, email = data["number"], data["email"]
    req = model.Session.query(Request).filter(Request.number == number).one_or_none()
    if req is not None and req.email and req.email.lower() == email.lower():
        notify.link(req, lib.tracking_token(req.id))
    return {"sent_if_matching": True}


@tk.side_effect_free
def ppid_request_show(context, data_dict):
    """A request with its requester's data, files, history and objections (officers).

    :param id: the request's id or nomor pendaftaran
    """
    tk.check_access("ppid_request_show", context, data_dict)
    req = lib.get_request(data_dict)
    return personal.restrict(_request_full(req), req, lib.user_obj(context))


@tk.side_effect_free
def ppid_request_track(context, data_dict):
    """The requester's view of a request, opened with the private tracking token.

    :param token: the token of the tracking link
    """
    tk.check_access("ppid_request_track", context, data_dict)
    return _request_requester(lib.request_by_token(data_dict.get("token")))


def _officer_query(context, data_dict):
    user = lib.user_obj(context)
    q = model.Session.query(Request)
    if not lib.is_utama(user) and not lib.is_atasan(user):
        q = q.filter(Request.opd.in_(sorted(lib.pelaksana_opds(user))))
    data, errors = schema.validate(data_dict, schema.request_list(), context)
    errors.raise_if_any()
    state, opd, year = data.get("state"), data.get("opd"), data.get("year")
    if state:
        q = q.filter(Request.state == state)
    if opd == "none":
        q = q.filter(Request.opd.is_(None))
    elif opd:
        q = q.filter(Request.opd == opd)
    if data.get("overdue"):
        q = q.filter(Request.state.in_(choices.OPEN_STATES), Request.due_date < lib.today())
    if year:
        q = q.filter(Request.received_date >= dt.date(int(year), 1, 1),
                     Request.received_date < dt.date(int(year) + 1, 1, 1))
    if data.get("q"):
        q = q.filter(Request.number.ilike(f"%{data['q']}%"))
    return q, data


@tk.side_effect_free
def ppid_request_list(context, data_dict):
    """Requests an officer may see: PPID Utama and Atasan all, a Pelaksana its OPD's.

    :param state, opd (or "none"), year, overdue, q (number): filters
    :param limit, offset: paging (newest first)
    :returns: {"count": n, "results": [...]} without the requesters' personal data
    """
    tk.check_access("ppid_request_list", context, data_dict)
    q, data = _officer_query(context, data_dict)
    limit, offset = data["limit"], data["offset"]
    user = lib.user_obj(context)
    scope = "all" if lib.is_utama(user) or lib.is_atasan(user) else sorted(lib.pelaksana_opds(user))
    filters = {k: data_dict.get(k) for k in ("state", "opd", "year", "overdue", "q")}
    count = _cached("list_count", {"scope": scope, **filters},
                    lambda: q.order_by(None).count())
    rows = q.order_by(Request.received_date.desc(), Request.number.desc()) \
        .limit(limit).offset(offset).all()
    results = []
    for req in rows:
        item = _request_public(req)
        item["id"] = req.id
        item["completion_due"] = _iso(req.completion_due)
        results.append(item)
    return {"count": count, "results": results}


def ppid_request_route(context, data_dict):
    """Disposisi: PPID Utama routes a request to the PPID Pelaksana of an OPD.

    :param id: request; :param opd: organization name from the city profile; :param note
    """
    tk.check_access("ppid_request_route", context, data_dict)
    req = lib.get_request(data_dict)
    data, errors = schema.validate(data_dict, schema.request_route(), context)
    opd, note = data.get("opd"), data.get("note")
    facts = _check(req, "route", "utama", lib.today(), errors)
    errors.raise_if_any()
    user = lib.user_obj(context)
    before = req.state
    req.opd = opd
    for field, value in workflow.apply(facts, "route", lib.today(), None).items():
        setattr(req, field, value)
    # the requester sees where the request went; the note is for the officers only
    _event(req, "route", "ppid_utama", user.id, before, lib.opd_title(opd), public=True)
    if note:
        _event(req, "internal_note", "ppid_utama", user.id, req.state, note, public=False)
    _commit([])
    notify.routed(req)
    return _request_full(req)


def ppid_request_ask_completion(context, data_dict):
    """Ask the requester to complete the request within the completion period (practice).

    :param id: request; :param note: what is missing (required)
    """
    tk.check_access("ppid_request_handle", context, data_dict)
    req = lib.get_request(data_dict)
    data, errors = schema.validate(data_dict, schema.request_ask_completion(), context)
    note = data.get("note")
    user = lib.user_obj(context)
    today = lib.today()
    # only before the deadline, and once (UU KIP Ps 22(7)): see ppid/workflow.py
    facts = _check(req, "ask_completion", lib.role_of(user, req.opd), today, errors)
    errors.raise_if_any()
    before = req.state
    for field, value in workflow.apply(facts, "ask_completion", today, lib.calendar(),
                                       _rules()).items():
        setattr(req, field, value)
    req.completion_note = note
    _event(req, "ask_completion", lib.role_of(user, req.opd), user.id, before, note)
    _commit([])
    notify.completion_asked(req)
    return _request_full(req)


def ppid_request_complete(context, data_dict):
    """The requester (with the tracking token) or an officer completes an incomplete request.

    :param token or id; :param note: what was added (required); :param upload: optional file
    """
    tk.check_access("ppid_request_complete", context, data_dict)
    req, role, actor = _request_for(context, data_dict)
    data, errors = schema.validate(data_dict, schema.request_complete(), context)
    note, upload = data.get("note"), data.get("upload")
    today = lib.today()
    facts = _check(req, "complete", role, today, errors)
    errors.raise_if_any()
    written: list[str] = []
    if upload:
        _store_files(req, [upload], "completion", written)
    for field, value in workflow.apply(facts, "complete", today, lib.calendar(), _rules(),
                                       opd=req.opd).items():
        setattr(req, field, value)
    _event(req, "complete", role, actor, "incomplete", note)
    _commit(written)
    notify.completed(req)
    return _request_requester(req) if role == "requester" else _request_full(req)


def ppid_request_extend(context, data_dict):
    """Extend the decision deadline once, by at most 7 working days, with written reasons
    (UU KIP Ps 22(8)).

    :param id; :param days: 1..7; :param reason: required
    """
    tk.check_access("ppid_request_handle", context, data_dict)
    req = lib.get_request(data_dict)
    data, errors = schema.validate(
        data_dict, schema.request_extend(lib.setting("extension_max_days")), context)
    days, reason = data.get("days"), data.get("reason")
    user = lib.user_obj(context)
    today = lib.today()
    # once, only before the deadline (UU KIP Ps 22(8)): see ppid/workflow.py
    facts = _check(req, "extend", lib.role_of(user, req.opd), today, errors, days=days)
    errors.raise_if_any()
    for field, value in workflow.apply(facts, "extend", today, lib.calendar(), _rules(),
                                       days=days).items():
        setattr(req, field, value)
    req.extension_reason = reason
    _event(req, "extend", lib.role_of(user, req.opd), user.id, req.state,
           written_note("extend", days=days, date=req.due_date.isoformat(), reason=reason))
    _commit([])
    notify.extended(req)
    return _request_full(req)


def ppid_request_decide(context, data_dict):
    """Give the written decision (UU KIP Ps 22(7)).

    :param id; :param outcome: granted, partly, rejected, not_held, not_documented
    :param reasons: required; :param given: what is given (granted/partly)
    :param holder: the body that holds the information (not_held)
    :param exemption_grounds: Ps 17 letters a-j (partly/rejected)
    :param consequence_test: {information, legal_basis, harm, public_interest, until,
        record_number} (partly/rejected; ``until`` required for Ps 17 a-f, Ps 20)
    :param exempt_parts: what was blacked out and why (partly)
    :param cost: rupiah for copying/delivery only (default 0); :param cost_note
    :param decided_date: default today; never before the last step nor after today
    :param decided_date_reason: required when decided_date is before today; the decision then
        counts as given on the day it is recorded (on time, working days, ground g)
    :param documents: uploads (PDF/JPEG/PNG)
    """
    tk.check_access("ppid_request_handle", context, data_dict)
    req = lib.get_request(data_dict)
    flat = schema.flat_consequence_test(data_dict)
    data, errors = schema.validate(flat, schema.request_decide(
        data_dict.get("outcome"), schema.temporary_grounds(flat)), context)
    outcome, cost = data.get("outcome"), data.get("cost") or 0
    decision: dict[str, Any] = {"reasons": data.get("reasons"), "cost": cost,
                                "cost_note": data.get("cost_note")}
    for field in ("given", "holder", "exempt_parts"):
        if field in data:
            decision[field] = data[field]
    grounds: list[str] = data.get("exemption_grounds") or []
    test: dict[str, Any] = {}
    if outcome in choices.EXEMPT_OUTCOMES:
        test = schema.consequence_test_record(data)
    today = lib.today()
    decided, date_reason = data.get("decided_date"), data.get("decided_date_reason")
    documents = data.get("documents") or []
    user = lib.user_obj(context)
    # the date: not before the last step, not after today, earlier than today only with a
    # reason; a fee only on information given (Ps 21): see ppid/workflow.py
    facts = _check(req, "decide", lib.role_of(user, req.opd), today, errors,
                   decided_date=decided, decided_date_reason=date_reason, outcome=outcome,
                   cost=cost)
    errors.raise_if_any()

    cal = lib.calendar()
    before = req.state
    decision.update({"held": outcome != "not_held", "form": req.obtain_method,
                     "delivery": req.delivery_method,
                     "signed_by": user.display_name if user else None,
                     # a letter dated before the day it is recorded counts from that day
                     "recorded_date": today.isoformat(), "decided_date_reason": date_reason})
    req.exemption_ground = ",".join(grounds) or None
    req.consequence_test = test or None
    req.decision = decision
    changes = workflow.apply(facts, "decide", today, cal, _rules(), decided_date=decided,
                             outcome=outcome, cost=cost)
    for field in ("state", "outcome", "decided_date", "on_time", "working_days_taken"):
        setattr(req, field, changes[field])
    written: list[str] = []
    _store_files(req, documents, "document", written)
    _event(req, "decide", lib.role_of(user, req.opd), user.id, before,
           written_note("outcome", code=outcome))
    _commit(written)
    notify.decided(req)
    return _request_full(req)
