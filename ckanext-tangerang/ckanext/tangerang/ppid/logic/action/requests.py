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
from ckanext.tangerang.ppid.logic import validators as v
from ckanext.tangerang.ppid.model import Request, next_number
from ckanext.tangerang.ppid.logic.action.common import (
    _by_token, _cached, _check, _commit, _event, _iso, _paging, _request_for, _request_full,
    _request_public, _request_requester, _rules, _store_files,
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
    errors = v.Errors()
    profile = lib.profile_settings()

    channel = "web"
    # outside the service days and hours of the city profile: the next working day (setting)
    arrived = lib.today()
    received = lib.receipt_date()
    opd = None
    if officer:
        channel = v.one_of(data_dict, "channel", choices.channels(profile), errors, default="web")
        arrived = v.date(data_dict, "received_date", errors, default=lib.today())
        if arrived and data_dict.get("received_date"):
            received = lib.receipt_date(day=arrived)
        opd = v.one_of(data_dict, "opd", [o.name for o in city.current().opds], errors,
                       required=False)
        if opd and not lib.can_handle(user, opd):
            errors.add("opd", _("You may register requests only for your own OPD"))
        if not opd and not lib.is_utama(user):
            mine = sorted(lib.pelaksana_opds(user))
            if len(mine) == 1:
                opd = mine[0]
            else:  # a Pelaksana of several OPDs says which one; never a guess
                errors.add("opd", _("You handle the requests of several OPDs (%(opds)s): choose the "
                                    "one this request is for") % {"opds": ", ".join(mine)})
    elif data_dict.get("channel") not in (None, "", "web"):
        errors.add("channel", _("Only officers may register requests from other channels"))

    requester_type = v.one_of(data_dict, "requester_type", choices.REQUESTER_TYPES, errors,
                              default="individual")
    values = {
        "name": v.text(data_dict, "name", errors, max_length=200),
        "address": v.text(data_dict, "address", errors, max_length=500),
        "occupation": v.text(data_dict, "occupation", errors, required=False, max_length=200),
        "information": v.text(data_dict, "information", errors),
        "purpose": v.text(data_dict, "purpose", errors),
        "email": v.email(data_dict, "email", errors),
        "phone": v.phone(data_dict, "phone", errors),
        "attorney_name": v.text(data_dict, "attorney_name", errors, required=False,
                                max_length=200),
        "obtain_method": v.one_of(data_dict, "obtain_method", choices.OBTAIN_METHODS, errors),
        "delivery_method": v.one_of(data_dict, "delivery_method", choices.DELIVERY_METHODS,
                                    errors),
    }
    if requester_type == "individual":
        values["nik"] = v.nik(data_dict, "nik", errors)
        values["sk_number"] = None
    elif requester_type == "legal_entity":
        values["sk_number"] = v.text(data_dict, "sk_number", errors, max_length=200)
        values["nik"] = None
    if not data_dict.get("email") and not data_dict.get("phone") and "email" not in errors:
        errors.add("email", _("Give an email address or a phone number (Perki 1/2021)"))
    if values["delivery_method"] == "email" and not data_dict.get("email"):
        errors.add("email", _("An email address is needed for delivery by email"))
    if not v.boolean(data_dict, "consent"):
        errors.add("consent", _("Consent to the processing of personal data is required "
                                "(UU 27/2022 on Personal Data Protection)"))
    identity = v.upload(data_dict, "identity_upload", errors, required=channel == "web")
    attorney = v.upload(data_dict, "attorney_upload", errors,
                        required=bool(values["attorney_name"]) and channel == "web")
    key = v.text(data_dict, "submission_key", errors, required=False, max_length=100)
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
    req.language = data_dict.get("language") if data_dict.get("language") in lib.languages() \
        else lib.current_language()
    req.tracking_hash = lib.token_hash(lib.tracking_token(req.id))
    req.due_date = cal.add(received, lib.setting("decision_days"))
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
           choices.channels(profile).get(channel))
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
    errors = v.Errors()
    number = v.text(data_dict, "number", errors, max_length=100)
    email = v.email(data_dict, "email", errors, required=True)
    errors.raise_if_any()
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
    return _request_requester(_by_token(data_dict.get("token")))


def _officer_query(context, data_dict):
    user = lib.user_obj(context)
    q = model.Session.query(Request)
    if not lib.is_utama(user) and not lib.is_atasan(user):
        q = q.filter(Request.opd.in_(sorted(lib.pelaksana_opds(user))))
    errors = v.Errors()
    state = v.one_of(data_dict, "state", choices.STATES, errors, required=False)
    opd = data_dict.get("opd")
    year = v.integer(data_dict, "year", errors, 2008, 2100) if data_dict.get("year") else None
    errors.raise_if_any()
    if state:
        q = q.filter(Request.state == state)
    if opd == "none":
        q = q.filter(Request.opd.is_(None))
    elif opd:
        q = q.filter(Request.opd == opd)
    if v.boolean(data_dict, "overdue"):
        q = q.filter(Request.state.in_(choices.OPEN_STATES), Request.due_date < lib.today())
    if year:
        q = q.filter(Request.received_date >= dt.date(int(year), 1, 1),
                     Request.received_date < dt.date(int(year) + 1, 1, 1))
    if data_dict.get("q"):
        q = q.filter(Request.number.ilike(f"%{data_dict['q']}%"))
    return q


@tk.side_effect_free
def ppid_request_list(context, data_dict):
    """Requests an officer may see: PPID Utama and Atasan all, a Pelaksana its OPD's.

    :param state, opd (or "none"), year, overdue, q (number): filters
    :param limit, offset: paging (newest first)
    :returns: {"count": n, "results": [...]} without the requesters' personal data
    """
    tk.check_access("ppid_request_list", context, data_dict)
    q = _officer_query(context, data_dict)
    limit, offset = _paging(data_dict, lib.setting("officer_page_size"))
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
    errors = v.Errors()
    opd = v.one_of(data_dict, "opd", [o.name for o in city.current().opds], errors)
    note = v.text(data_dict, "note", errors, required=False)
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
    errors = v.Errors()
    note = v.text(data_dict, "note", errors)
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
    errors = v.Errors()
    note = v.text(data_dict, "note", errors)
    upload = v.upload(data_dict, "upload", errors, required=False)
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
    errors = v.Errors()
    most = lib.setting("extension_max_days")
    days = v.integer(data_dict, "days", errors, 1, most, "UU KIP Ps 22(8)")
    reason = v.text(data_dict, "reason", errors)
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
           _("%(days)s working days, until %(date)s: %(reason)s") %
           {"days": days, "date": req.due_date.isoformat(), "reason": reason})
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
    errors = v.Errors()
    outcome = v.one_of(data_dict, "outcome", choices.OUTCOMES, errors)
    reasons = v.text(data_dict, "reasons", errors)
    decision: dict[str, Any] = {"reasons": reasons}
    if outcome in ("granted", "partly"):
        decision["given"] = v.text(data_dict, "given", errors)
    if outcome == "not_held":
        decision["holder"] = v.text(data_dict, "holder", errors, max_length=300)
    grounds: list[str] = []
    test: dict[str, Any] = {}
    if outcome in choices.EXEMPT_OUTCOMES:
        grounds = v.many_of(data_dict, "exemption_grounds", choices.EXEMPTION_GROUNDS, errors)
        if not grounds and "exemption_grounds" not in errors:
            errors.add("exemption_grounds", _("Exempting information requires a ground of UU "
                                              "KIP Ps 17 (a-j)"))
        raw = v.as_dict(data_dict.get("consequence_test"))
        for part in ("information", "legal_basis", "harm", "public_interest", "record_number"):
            value = raw.get(part) or data_dict.get(f"consequence_test_{part}")
            if not value or not str(value).strip():
                errors.add(f"consequence_test_{part}", _("The consequence test record must "
                                                         "state this (UU KIP Ps 19, Perki "
                                                         "1/2021 Ps 22)"))
            test[part] = str(value or "").strip()
        until = raw.get("until") or data_dict.get("consequence_test_until")
        if set(grounds) & set(choices.TEMPORARY_GROUNDS) and not until:
            errors.add("consequence_test_until", _("Exemptions under Ps 17 a-f are not "
                                                   "permanent: give their time limit (UU KIP "
                                                   "Ps 20)"))
        test["until"] = str(until or "").strip()
        if outcome == "partly":
            decision["exempt_parts"] = v.text(data_dict, "exempt_parts", errors)
    cost = 0
    if data_dict.get("cost") not in (None, ""):
        cost = v.integer(data_dict, "cost", errors, 0, 100_000_000) or 0
    decision["cost"] = cost
    decision["cost_note"] = v.text(data_dict, "cost_note", errors, required=False)
    today = lib.today()
    decided = v.date(data_dict, "decided_date", errors, default=today, not_future=False)
    date_reason = v.text(data_dict, "decided_date_reason", errors, required=False)
    documents = v.uploads(data_dict, "documents", errors)
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
           choices.outcomes()[outcome])
    _commit(written)
    notify.decided(req)
    return _request_full(req)
