"""PPID actions: every step of a request, from receipt to sengketa, and the public lists.

Each step checks everything first and then writes in one transaction, so a refused step leaves
nothing behind; each state change adds an Event (who, when, from, to, note).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.redis import connect_to_redis
from ckan.plugins.toolkit import _

from ckanext.tangerang import city
from ckanext.tangerang.ppid import choices, clock, crypto, lib, notify, workflow
from ckanext.tangerang.ppid.logic import personal, report, subject
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.logic import validators as v
from ckanext.tangerang.ppid.model import (
    PERSONAL_FIELDS, Appointment, DipEntry, Event, File, Holiday, Objection, Request, next_number,
)
from ckanext.tangerang.ppid.model import claim_reminder

log = logging.getLogger(__name__)


# Dictization ------------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value else None


def _request_public(req: Request) -> dict[str, Any]:
    """What anyone may see: no personal data (UU PDP)."""
    return {
        "number": req.number,
        "information": req.information,
        "opd": req.opd,
        "opd_title": lib.opd_title(req.opd) if req.opd else None,
        "channel": req.channel,
        "state": req.state,
        "received_date": _iso(req.received_date),
        "due_date": _iso(req.due_date),
        "decided_date": _iso(req.decided_date),
        "outcome": req.outcome,
        "working_days_taken": req.working_days_taken,
        "on_time": req.on_time,
    }


def _objection_dict(obj: Objection) -> dict[str, Any]:
    return {
        "id": obj.id, "number": obj.number, "grounds": obj.grounds, "reasons": obj.reasons,
        "filed_date": _iso(obj.filed_date), "due_date": _iso(obj.due_date), "state": obj.state,
        "result": obj.result, "result_reasons": obj.result_reasons,
        "decided_date": _iso(obj.decided_date), "recorded_date": _iso(obj.recorded_date),
        "decided_date_reason": obj.decided_date_reason, "dispute_due": _iso(obj.dispute_due),
        "dispute_filed_date": _iso(obj.dispute_filed_date),
        "dispute_reference": obj.dispute_reference, "dispute_note": obj.dispute_note,
    }


def _event_dict(event: Event, with_actor: bool) -> dict[str, Any]:
    out = {"action": event.action, "actor_role": event.actor_role,
           "from_state": event.from_state, "to_state": event.to_state, "note": event.note,
           "created": event.created.isoformat(), "public": event.public}
    if with_actor:
        user = model.User.get(event.actor_id) if event.actor_id else None
        out["actor"] = user.display_name if user else None
    return out


def _file_dict(f: File) -> dict[str, Any]:
    return {"id": f.id, "kind": f.kind, "filename": f.filename, "mimetype": f.mimetype,
            "size": f.size, "created": f.created.isoformat()}


def _request_requester(req: Request) -> dict[str, Any]:
    """The tracking page's view: stage, dates, messages, decision; no personal data, since a
    tracking link may be forwarded."""
    out = _request_public(req)
    out.update({
        "obtain_method": req.obtain_method, "delivery_method": req.delivery_method,
        "completion_due": _iso(req.completion_due), "completion_note": req.completion_note,
        "extension_days": req.extension_days, "extension_reason": req.extension_reason,
        "exemption_ground": req.exemption_ground, "decision": req.decision,
        "events": [_event_dict(e, False) for e in req.events if e.public],
        "documents": [_file_dict(f) for f in req.files if f.kind == "document"],
        "objections": [_objection_dict(o) for o in req.objections],
        # who saw the full personal data, when and why (UU PDP): role and office only
        "personal_access": personal.access_log(req),
        # copies and erasures the requester asked for (UU PDP Ps 7, 8)
        "subject_requests": subject.for_request(req),
        "personal_erased": subject.erased(req),
    })
    return out


def _request_full(req: Request) -> dict[str, Any]:
    """For the officers handling the request."""
    out = _request_requester(req)
    # NIK, phone and address masked: the full values only through ppid_personal_data_reveal
    out.update(personal.masked(req))
    out.update({
        "id": req.id, "requester_type": req.requester_type, "purpose": req.purpose,
        "consent_at": _iso(req.consent_at), "clock_start": _iso(req.clock_start),
        "consequence_test": req.consequence_test, "created": _iso(req.created),
        "events": [_event_dict(e, True) for e in req.events],
        "files": [_file_dict(f) for f in req.files],
        # the steps the workflow table allows now (pages offer only these)
        "steps": _open_steps(req),
    })
    return out


def _open_steps(req: Request) -> list[str]:
    facts, today = _facts(req), lib.today()
    return [name for name, step in workflow.STEPS.items()
            if step.subject == "request" and name not in ("register", "lapse")
            and not workflow.check(facts, name, None, today, None, _rules())]


# Shared steps -----------------------------------------------------------------------------

def _by_token(token: str | None) -> Request:
    req = Request.by_tracking_hash(lib.token_hash(token)) if token else None
    if req is None:
        raise tk.ObjectNotFound(_("Request not found"))
    return req


def _request_for(context: dict, data_dict: dict) -> tuple[Request, str, str | None]:
    """The request and the acting role: by tracking token (the requester) or by id (officer)."""
    if data_dict.get("token"):
        return _by_token(data_dict["token"]), "requester", None
    tk.check_access("ppid_request_handle", context, data_dict)
    req = lib.get_request(data_dict)
    user = lib.user_obj(context)
    return req, lib.role_of(user, req.opd) or "ppid_utama", user.id if user else None


def _event(req: Request, action: str, role: str, actor_id: str | None, from_state: str | None,
           note: str | None = None, public: bool = True) -> None:
    # every step touches the request, so its modified time versions the cached figures
    req.modified = dt.datetime.utcnow()
    req.events.append(Event(action=action, actor_role=role, actor_id=actor_id,
                            from_state=from_state, to_state=req.state, note=note,
                            public=public))


def _cached(name: str, params: dict[str, Any], compute) -> Any:
    """Figures over many requests, kept in Redis until any request changes (or the day ends)."""
    version = model.Session.query(sa.func.max(Request.modified)).scalar()
    key = "ppid:{}:{}:{}:{}:{}".format(tk.config.get("ckan.site_id"), name,
                                      json.dumps(params, sort_keys=True, default=str),
                                      version.isoformat() if version else "-",
                                      lib.today().isoformat())
    redis = connect_to_redis()
    hit = redis.get(key)
    if hit is not None:
        return json.loads(hit)
    value = compute()
    redis.setex(key, 86400, json.dumps(value))
    return value


# The workflow table (ppid/workflow.py) decides what a step may do and how it moves deadlines --

def _rules() -> workflow.Rules:
    return workflow.Rules(**{f.name: lib.setting(f.name)
                             for f in dataclasses.fields(workflow.Rules)})


def _local_date(stamp: dt.datetime) -> dt.date:
    """The city's date of a stored (UTC) time."""
    return stamp.replace(tzinfo=dt.timezone.utc).astimezone(lib.timezone()).date()


def _objection_facts(obj: Objection) -> workflow.ObjectionFacts:
    return workflow.ObjectionFacts(
        state=obj.state, filed_date=obj.filed_date, due_date=obj.due_date,
        grounds=tuple(obj.grounds or ()), decided_date=obj.decided_date,
        recorded_date=obj.recorded_date, result=obj.result,
        dispute_due=obj.dispute_due, dispute_filed_date=obj.dispute_filed_date)


def _facts(req: Request) -> workflow.Facts:
    """The request as the workflow table reads it."""
    # the steps recorded after the registration (whose date is the date of receipt)
    steps = [_local_date(e.created) for e in req.events
             if e.action not in ("create", "register", "note", "internal_note", "purge")
             and e.created is not None]
    decision = req.decision or {}
    recorded = decision.get("recorded_date")
    # a request that arrived outside service hours counts as received on the next working day:
    # its registration happened on the day it arrived
    registered = [_local_date(e.created) for e in req.events
                  if e.action in ("create", "register") and e.created is not None]
    arrived = min([req.received_date, *registered])
    started = arrived if req.clock_start == req.received_date else req.clock_start
    return workflow.Facts(
        state=req.state, received_date=req.received_date, clock_start=req.clock_start,
        due_date=req.due_date,
        last_step=max(filter(None, [arrived, started, *steps])),
        extension_days=req.extension_days, completion_due=req.completion_due,
        completion_asked=sum(1 for e in req.events if e.action == "ask_completion"),
        outcome=req.outcome, decided_date=req.decided_date,
        recorded_date=dt.date.fromisoformat(recorded) if recorded else None,
        on_time=req.on_time, working_days_taken=req.working_days_taken,
        cost=decision.get("cost") or 0,
        deciders=frozenset(e.actor_id for e in req.events if e.action == "decide" and e.actor_id),
        objections=[_objection_facts(o) for o in req.objections])


def _check(req: Request, event: str, role: str | None, today: dt.date, errors: v.Errors,
           cal=None, **data) -> workflow.Facts:
    """Add the table's refusals of ``event`` to ``errors`` (each names its field and article)."""
    facts = _facts(req)
    for refusal in workflow.check(facts, event, role, today, cal, _rules(), **data):
        params = dict(refusal.params)
        if refusal.field == "state":
            labels = choices.objection_states() if workflow.STEPS[event].subject == "objection" \
                else choices.states()
            params["state"] = labels.get(params["state"], params["state"])
        errors.add(refusal.field, _(refusal.message) % params if params else _(refusal.message))
    return facts


def _store_files(req: Request, files: list[tuple], kind: str, written: list[str]) -> None:
    for filename, content, mimetype in files:
        relative = lib.store(req.id, content)
        written.append(relative)
        req.files.append(File(kind=kind, filename=filename, mimetype=mimetype,
                              size=len(content), storage_path=relative))


def _commit(written: list[str]) -> None:
    try:
        model.Session.commit()
    except Exception:
        model.Session.rollback()
        lib.remove_stored(written)
        raise


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
    errors = v.Errors()
    grounds = v.many_of(data_dict, "grounds", choices.OBJECTION_GROUNDS, errors)
    if not grounds and "grounds" not in errors:
        errors.add("grounds", _("Choose at least one ground of UU KIP Ps 35(1) (a-g)"))
    reasons = v.text(data_dict, "reasons", errors)
    today = lib.today()
    filed = today if role == "requester" else v.date(data_dict, "filed_date", errors,
                                                     default=today)
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
    errors = v.Errors()
    result = v.one_of(data_dict, "result", choices.OBJECTION_RESULTS, errors)
    reasons = v.text(data_dict, "reasons", errors)
    today = lib.today()
    decided = v.date(data_dict, "decided_date", errors, default=today, not_future=False)
    date_reason = v.text(data_dict, "decided_date_reason", errors, required=False)
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
           f"{obj.number}: {choices.objection_results()[result]}")
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
    errors = v.Errors()
    filed = v.date(data_dict, "filed_date", errors, default=lib.today())
    reference = v.text(data_dict, "reference", errors, required=False, max_length=200)
    note = v.text(data_dict, "note", errors, required=False)
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


# Holiday overrides -------------------------------------------------------------------------

@tk.side_effect_free
def ppid_holiday_list(context, data_dict):
    """The working-day calendar of a year: national days off and the officers' overrides.

    :param year: default this year
    """
    tk.check_access("ppid_holiday_list", context, data_dict)
    year = _year(data_dict)
    national = clock.holiday_names(year, lib.setting("cuti_bersama_off"))
    overrides = model.Session.query(Holiday).filter(
        Holiday.date >= dt.date(year, 1, 1), Holiday.date <= dt.date(year, 12, 31)) \
        .order_by(Holiday.date).all()
    return {
        "year": year,
        "national": [{"date": d.isoformat(), "name": n} for d, n in sorted(national.items())],
        "overrides": [{"date": h.date.isoformat(), "working": h.working, "name": h.name}
                      for h in overrides],
    }


def ppid_holiday_create(context, data_dict):
    """Add or replace an override: a day off (e.g. a new cuti bersama decree) or a worked day.

    :param date; :param name; :param working: true for a worked day (default false)
    """
    tk.check_access("ppid_holiday_create", context, data_dict)
    errors = v.Errors()
    day = v.date(data_dict, "date", errors, not_future=False)
    if day is None and "date" not in errors:
        errors.add("date", _("Missing value"))
    name = v.text(data_dict, "name", errors, max_length=200)
    errors.raise_if_any()
    user = lib.user_obj(context)
    holiday = model.Session.get(Holiday, day) or Holiday(date=day)
    holiday.name, holiday.working = name, v.boolean(data_dict, "working")
    holiday.created_by = user.id if user else None
    model.Session.add(holiday)
    working = holiday.working

    def reason() -> str:  # called again in each requester's language
        return (_("%(date)s is now a working day: %(name)s") if working else
                _("%(date)s is now a day off: %(name)s")) % {"date": day.isoformat(), "name": name}
    moved = _recompute_deadlines(context, reason())
    _commit([])
    _mail_moved(moved, reason)
    return {"date": day.isoformat(), "working": holiday.working, "name": name,
            "moved": len(moved)}


def ppid_holiday_delete(context, data_dict):
    """:param date: the override to remove."""
    tk.check_access("ppid_holiday_create", context, data_dict)
    errors = v.Errors()
    day = v.date(data_dict, "date", errors, not_future=False)
    errors.raise_if_any()
    holiday = model.Session.get(Holiday, day) if day else None
    if holiday is None:
        raise tk.ObjectNotFound(_("Override not found"))
    name = holiday.name

    def reason() -> str:  # called again in each requester's language
        return _("the override of %(date)s (%(name)s) was removed") % \
            {"date": day.isoformat(), "name": name}
    model.Session.delete(holiday)
    model.Session.flush()
    moved = _recompute_deadlines(context, reason())
    _commit([])
    _mail_moved(moved, reason)
    return {"date": day.isoformat(), "moved": len(moved)}


def _recompute_deadlines(context, reason: str) -> list[tuple[Request, list]]:
    """After a change of the officers' calendar: every open deadline counted again from its
    start by the same rules (decision from the clock start with any extension, completion from
    the day it was asked, the Atasan's decision from the filing, the dispute window from the
    Atasan's decision), each change an event on the request. Returns (request, [(what, old,
    new)]) of the requests whose deadlines moved, for the mails after the commit."""
    model.Session.flush()
    cal, rules = lib.calendar(), _rules()
    today = lib.today()
    user = lib.user_obj(context)
    role = lib.role_of(user) or "ppid_utama"
    labels = notify.deadline_labels()
    changed: dict[str, tuple[Request, list]] = {}

    def moved(req, what, old, new):
        if old != new:
            changed.setdefault(req.id, (req, []))[1].append((what, old, new))

    open_requests = model.Session.query(Request).filter(
        Request.state.in_(choices.OPEN_STATES + ("incomplete",))).all()
    for req in open_requests:
        new = workflow.decision_due(cal, rules, req.clock_start, req.extension_days)
        moved(req, "due_date", req.due_date, new)
        req.due_date = new
        if req.state == "incomplete" and req.completion_due:
            asked = [e for e in req.events if e.action == "ask_completion"]
            if asked:
                new = workflow.completion_due(cal, rules, _local_date(asked[-1].created))
                moved(req, "completion_due", req.completion_due, new)
                req.completion_due = new
    objections = model.Session.query(Objection).filter(
        sa.or_(Objection.state == "filed",
               sa.and_(Objection.state == "decided", Objection.dispute_due >= today))).all()
    for obj in objections:
        req = model.Session.get(Request, obj.request_id)
        if obj.state == "filed":
            new = workflow.objection_due(cal, rules, obj.filed_date)
            moved(req, "objection_due", obj.due_date, new)
            obj.due_date = new
        elif obj.decided_date:
            new = workflow.dispute_due(cal, rules, obj.recorded_date or obj.decided_date)
            moved(req, "dispute_due", obj.dispute_due, new)
            obj.dispute_due = new
    for req, changes in changed.values():
        note = "; ".join(_("%(what)s: %(old)s -> %(new)s") %
                         {"what": labels[what], "old": old.isoformat(), "new": new.isoformat()}
                         for what, old, new in changes)
        _event(req, "calendar", role, user.id if user else None, req.state,
               _("Calendar changed (%(reason)s): %(changes)s") %
               {"reason": reason, "changes": note})
    return list(changed.values())


def _mail_moved(moved: list[tuple[Request, list]], reason) -> None:
    for req, changes in moved:
        notify.deadline_moved(req, changes, reason)


# Daftar Informasi Publik -----------------------------------------------------------------

DIP_FIELDS = ("number", "summary", "opd", "holder", "responsible", "made", "form", "retention",
              "category", "package_id")


def _dip_dict(entry: DipEntry) -> dict[str, Any]:
    out = {field: getattr(entry, field) for field in DIP_FIELDS}
    out.update({"id": entry.id, "opd_title": lib.opd_title(entry.opd),
                "modified": entry.modified.isoformat()})
    if entry.package_id:
        pkg = model.Package.get(entry.package_id)
        if pkg is not None and pkg.state == "active" and not pkg.private:
            out["package_name"], out["package_title"] = pkg.name, pkg.title
    return out


def _dip_values(context, data_dict, errors, entry: DipEntry | None) -> dict[str, Any]:
    values = {
        "number": v.text(data_dict, "number", errors, max_length=100),
        "summary": v.text(data_dict, "summary", errors),
        "opd": v.one_of(data_dict, "opd", [o.name for o in city.current().opds], errors),
        "holder": v.text(data_dict, "holder", errors, max_length=300),
        "responsible": v.text(data_dict, "responsible", errors, max_length=300),
        "made": v.text(data_dict, "made", errors, max_length=300),
        "form": v.one_of(data_dict, "form", choices.DIP_FORMS, errors),
        "retention": v.text(data_dict, "retention", errors, max_length=200),
        "category": v.one_of(data_dict, "category", choices.DIP_CATEGORIES, errors),
        "package_id": None,
    }
    user = lib.user_obj(context)
    if values["opd"] and not lib.can_handle(user, values["opd"]):
        errors.add("opd", _("You may manage entries only for your own OPD"))
    if entry is not None and not lib.can_handle(user, entry.opd):
        errors.add("opd", _("You may manage entries only for your own OPD"))
    package = data_dict.get("package_id")
    if package:
        pkg = model.Package.get(package)
        if pkg is None or pkg.state != "active":
            errors.add("package_id", _("Dataset not found"))
        else:
            values["package_id"] = pkg.id
    if values["number"]:
        clash = model.Session.query(DipEntry).filter(DipEntry.number == values["number"])
        if entry is not None:
            clash = clash.filter(DipEntry.id != entry.id)
        if clash.first():
            errors.add("number", _("This number is already in the list"))
    return values


def ppid_dip_create(context, data_dict):
    """Add an entry to the Daftar Informasi Publik (Perki 1/2021).

    :param number, summary, holder, responsible, made, retention: text
    :param opd: organization name; :param form: cetak, elektronik, cetak_elektronik
    :param category: berkala, serta_merta, setiap_saat, dikecualikan
    :param package_id: optional dataset holding the information
    """
    tk.check_access("ppid_dip_create", context, data_dict)
    errors = v.Errors()
    values = _dip_values(context, data_dict, errors, None)
    errors.raise_if_any()
    entry = DipEntry(**values)
    model.Session.add(entry)
    _commit([])
    return _dip_dict(entry)


def _get_dip(data_dict) -> DipEntry:
    entry = model.Session.get(DipEntry, data_dict.get("id")) if data_dict.get("id") else None
    if entry is None:
        raise tk.ObjectNotFound(_("Entry not found"))
    return entry


def ppid_dip_update(context, data_dict):
    """Replace an entry's fields (same parameters as ppid_dip_create, plus id)."""
    # the auth function reads the entry's stored OPD: the one sent along must not decide
    tk.check_access("ppid_dip_update", context, data_dict)
    entry = _get_dip(data_dict)
    errors = v.Errors()
    values = _dip_values(context, data_dict, errors, entry)
    errors.raise_if_any()
    for key, value in values.items():
        setattr(entry, key, value)
    _commit([])
    return _dip_dict(entry)


def ppid_dip_delete(context, data_dict):
    """:param id: the entry to remove."""
    tk.check_access("ppid_dip_delete", context, data_dict)
    entry = _get_dip(data_dict)
    model.Session.delete(entry)
    _commit([])


@tk.side_effect_free
def ppid_dip_show(context, data_dict):
    """:param id: an entry of the Daftar Informasi Publik."""
    tk.check_access("ppid_dip_show", context, data_dict)
    return _dip_dict(_get_dip(data_dict))


@tk.side_effect_free
def ppid_dip_list(context, data_dict):
    """The Daftar Informasi Publik.

    :param category, opd: filters; :param q: words in the summary
    """
    tk.check_access("ppid_dip_list", context, data_dict)
    q = model.Session.query(DipEntry)
    if data_dict.get("category"):
        q = q.filter(DipEntry.category == data_dict["category"])
    if data_dict.get("opd"):
        q = q.filter(DipEntry.opd == data_dict["opd"])
    if data_dict.get("q"):
        q = q.filter(DipEntry.summary.ilike(f"%{data_dict['q']}%"))
    return [_dip_dict(e) for e in q.order_by(DipEntry.category, DipEntry.number)]


# Public register, statistics, annual report -------------------------------------------------

@tk.side_effect_free
def ppid_register_list(context, data_dict):
    """The public register of requests: subject, OPD, dates and outcome; no personal data.

    :param year, opd, outcome: filters; :param limit (max 1000), offset
    """
    tk.check_access("ppid_register_list", context, data_dict)
    q = model.Session.query(Request)
    limit, offset = _paging(data_dict, 50)
    if data_dict.get("year"):
        year = _year(data_dict)
        q = q.filter(Request.received_date >= dt.date(year, 1, 1),
                     Request.received_date < dt.date(year + 1, 1, 1))
    if data_dict.get("opd"):
        q = q.filter(Request.opd == data_dict["opd"])
    if data_dict.get("outcome"):
        q = q.filter(Request.outcome == data_dict["outcome"])
    count = q.order_by(None).count()
    rows = q.order_by(Request.received_date.desc(), Request.number.desc()) \
        .limit(limit).offset(offset).all()
    return {"count": count, "results": [_request_public(r) for r in rows]}


def _paging(data_dict, default: int) -> tuple[int, int]:
    errors = v.Errors()
    limit = v.integer({"limit": data_dict.get("limit") or default}, "limit", errors, 1, 1000)
    offset = v.integer({"offset": data_dict.get("offset") or 0}, "offset", errors, 0, 10**9)
    errors.raise_if_any()
    return limit, offset


def _year(data_dict) -> int:
    errors = v.Errors()
    year = v.integer({"year": data_dict.get("year") or lib.today().year}, "year", errors,
                     2008, 2100)
    errors.raise_if_any()
    return year


@tk.side_effect_free
def ppid_statistics(context, data_dict):
    """Figures of a year: requests per month and OPD, outcomes, median working days to a
    decision, share decided on time, objections and disputes.

    :param year: default this year
    """
    tk.check_access("ppid_statistics", context, data_dict)
    year = _year(data_dict)
    return _cached("statistics", {"year": year}, lambda: _statistics(year))


def _statistics(year: int) -> dict[str, Any]:
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    s = model.Session
    in_year = sa.and_(Request.received_date >= start, Request.received_date < end)
    month = sa.func.extract("month", Request.received_date)
    per_month = dict(s.query(month, sa.func.count()).filter(in_year).group_by(month).all())
    per_opd = s.query(Request.opd, sa.func.count()).filter(in_year).group_by(Request.opd) \
        .order_by(sa.func.count().desc()).all()
    outcomes = dict(s.query(Request.outcome, sa.func.count())
                    .filter(in_year, Request.outcome.isnot(None)).group_by(Request.outcome).all())
    total, decided, on_time, median = s.query(
        sa.func.count(), sa.func.count(Request.decided_date),
        sa.func.count().filter(Request.on_time.is_(True)),
        sa.func.percentile_cont(0.5).within_group(Request.working_days_taken),
    ).filter(in_year).one()
    objections = s.query(sa.func.count(Objection.id), sa.func.count(Objection.dispute_filed_date)) \
        .filter(Objection.filed_date >= start, Objection.filed_date < end).one()
    return {
        "year": year,
        "total": total,
        "decided": decided,
        "open": total - decided,
        "per_month": [{"month": m, "count": int(per_month.get(m, 0))} for m in range(1, 13)],
        "per_opd": [{"opd": opd, "opd_title": lib.opd_title(opd) if opd else None,
                     "count": count} for opd, count in per_opd],
        "outcomes": {o: int(outcomes.get(o, 0)) for o in choices.OUTCOMES},
        "median_working_days": float(median) if median is not None else None,
        "on_time_share": (on_time / decided) if decided else None,
        "objections": objections[0],
        "disputes": objections[1],
    }


@tk.side_effect_free
def ppid_annual_report(context, data_dict):
    """The annual report of UU KIP Ps 12 for a year: the figures, the reasons for rejection and
    each request's time taken and outcome (no personal data).

    :param year: default this year
    :param include_requests: false leaves out the per-request list (default true)
    """
    tk.check_access("ppid_annual_report", context, data_dict)
    stats = dict(ppid_statistics(context, data_dict))
    year = stats["year"]
    in_year = sa.and_(Request.received_date >= dt.date(year, 1, 1),
                      Request.received_date < dt.date(year + 1, 1, 1))
    ground = sa.func.unnest(sa.func.string_to_array(Request.exemption_ground, ",")) \
        .label("ground")
    grounds = model.Session.query(ground).filter(in_year, Request.exemption_ground.isnot(None)) \
        .subquery()
    stats["rejection_grounds"] = dict(
        model.Session.query(grounds.c.ground, sa.func.count()).group_by(grounds.c.ground)
        .order_by(grounds.c.ground).all())
    if str(data_dict.get("include_requests", True)).lower() in ("false", "0", "no"):
        return stats
    rows = model.Session.query(*report.COLUMNS).filter(in_year) \
        .order_by(Request.received_date, Request.number).all()
    stats["requests"] = [{
        "number": r.number, "opd": r.opd, "received_date": _iso(r.received_date),
        "decided_date": _iso(r.decided_date), "working_days_taken": r.working_days_taken,
        "on_time": r.on_time, "outcome": r.outcome, "exemption_ground": r.exemption_ground,
        "extension_days": r.extension_days, "state": r.state,
    } for r in rows]
    return stats


# Reminders -------------------------------------------------------------------------------

def ppid_remind(context, data_dict):
    """The daily job: lapse requests not completed in time, and remind, ``reminder_days``
    working days (default 3 and 1) before each deadline and once when it has passed: the
    officers of the request (PPID Utama before routing) of the decision, the Atasan PPID of a
    keberatan, the requester of completing the request (in the requester's language). Each
    reminder is recorded and sent once, however often the job runs.

    :returns: counts {reminded, overdue, lapsed, objections, completion}
    """
    tk.check_access("ppid_remind", context, data_dict)
    today = lib.today()
    cal = lib.calendar()
    steps = lib.setting("reminder_days")
    horizon = cal.add(today, max(steps)) if steps and max(steps) > 0 else today
    s = model.Session
    counts = {"reminded": 0, "overdue": 0, "lapsed": 0, "objections": 0, "completion": 0}
    lapsed = s.query(Request).filter(Request.state == "incomplete",
                                     Request.completion_due < today).all()
    for req in lapsed:
        facts = _facts(req)
        if workflow.check(facts, "lapse", "system", today, cal, _rules()):
            continue
        for field, value in workflow.apply(facts, "lapse", today, cal, _rules()).items():
            setattr(req, field, value)
        _event(req, "lapse", "system", None, "incomplete",
               _("The completion period ended on %(date)s") %
               {"date": req.completion_due.isoformat()})
        counts["lapsed"] += 1
    _commit([])

    def step(due: dt.date) -> tuple[int, int] | None:
        """(reminder step reached, working days left): the most urgent step, 0 when past."""
        if due < today:
            return 0, 0
        left = cal.working_days_until(today, due)
        reached = [days for days in steps if left <= days]
        return (min(reached), left) if reached else None

    def claimed(req_id: str, obj_id: str | None, deadline: str, due: dt.date):
        found = step(due)
        if found is None or (found[0] == 0 and deadline == "completion"):
            return None
        return found[1] if claim_reminder(req_id, obj_id, deadline, due, found[0]) else None

    by_opd: dict[str | None, list] = {}
    for req in s.query(Request).filter(Request.state.in_(choices.OPEN_STATES),
                                       Request.due_date <= horizon).order_by(Request.due_date):
        left = claimed(req.id, None, "decision", req.due_date)
        if left is None:
            continue
        by_opd.setdefault(req.opd, []).append((req, left))
        req.reminded_date = today
        counts["reminded"] += 1
        if req.due_date < today:
            counts["overdue"] += 1
    completion = []
    for req in s.query(Request).filter(Request.state == "incomplete",
                                       Request.completion_due >= today,
                                       Request.completion_due <= horizon):
        left = claimed(req.id, None, "completion", req.completion_due)
        if left is not None:
            completion.append((req, left))
    objections = []
    for obj in s.query(Objection).filter(Objection.state == "filed",
                                         Objection.due_date <= horizon) \
            .order_by(Objection.due_date):
        left = claimed(obj.request_id, obj.id, "objection", obj.due_date)
        if left is not None:
            objections.append((obj, left))
    counts["objections"], counts["completion"] = len(objections), len(completion)
    _commit([])
    for opd, items in by_opd.items():
        notify.reminder(opd, items, today)
    for req, left in completion:
        notify.completion_reminder(req, left, today)
    if objections:
        notify.objection_reminder(objections, today)
    return counts


def ppid_personal_data_purge(context, data_dict):
    """Erase the requester's personal data and identity files of requests closed longer than the
    retention period (UU PDP), and the erasures requesters asked for once their request and any
    keberatan or dispute on it are closed; the request itself stays for the register and the
    reports.

    :returns: {"purged": n, "asked": n}
    """
    tk.check_access("ppid_personal_data_purge", context, data_dict)
    today = lib.today()
    limit = today - dt.timedelta(days=lib.setting("retention_days"))
    # an objection being decided or a dispute at the Komisi Informasi keeps the data
    open_objections = sa.exists().where(Objection.request_id == Request.id,
                                        personal.objection_open(today))
    closed = sa.func.coalesce(Request.decided_date, Request.completion_due)
    requests = model.Session.query(Request).filter(
        Request.state.in_(("decided", "lapsed")), closed < limit, Request.name != "",
        ~open_objections).all()
    removed: list[str] = []
    for req in requests:
        removed += subject.erase(req)
    asked, more = subject.carry_out_waiting(today)
    model.Session.commit()
    lib.remove_stored(removed + more)
    return {"purged": len(requests), "asked": asked}


# Appointments of the PPID officers -----------------------------------------------------------

def _appointment_dict(appointment: Appointment) -> dict[str, Any]:
    user = model.User.get(appointment.user_id)
    by = model.User.get(appointment.appointed_by) if appointment.appointed_by else None
    return {
        "id": appointment.id, "user_id": appointment.user_id,
        "user_name": user.name if user else None,
        "user_display_name": user.display_name if user else None,
        "role": appointment.role, "opd": appointment.opd,
        "opd_title": lib.opd_title(appointment.opd) if appointment.opd else None,
        "decree": appointment.decree,
        "appointed_by": by.name if by else None, "created": _iso(appointment.created),
    }


def _validated(data_dict: dict, schema_: dict, context: dict) -> dict:
    data, errors = tk.navl_validate(data_dict, schema_, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


@tk.side_effect_free
def ppid_appointment_list(context, data_dict):
    """The PPID officers by appointment (sysadmins and PPID Utama).

    :param role: utama, pelaksana or atasan (optional); :param opd: optional
    :returns: appointments, newest first, with the user's name and who appointed them
    """
    tk.check_access("ppid_appointment_list", context, data_dict)
    data = _validated(data_dict, schema.appointment_list_schema(), context)
    q = model.Session.query(Appointment)
    if data.get("role"):
        q = q.filter(Appointment.role == data["role"])
    if data.get("opd"):
        q = q.filter(Appointment.opd == data["opd"])
    return [_appointment_dict(a) for a in
            q.order_by(Appointment.role, Appointment.opd, Appointment.created.desc())]


def ppid_appointment_create(context, data_dict):
    """Appoint a PPID officer. Sysadmins appoint every role; the PPID Utama appoints PPID
    Pelaksana.

    :param user: user name or id of an active account
    :param role: utama, pelaksana (needs ``opd``) or atasan
    :param opd: organization name of an OPD of the city profile (Pelaksana only)
    :param decree: optional reference of the appointing decree (SK)
    """
    tk.check_access("ppid_appointment_create", context, data_dict)
    data = _validated(data_dict, schema.appointment_create_schema(), context)
    role, opd = data["role"], data.get("opd")
    errors = v.Errors()
    if role == "pelaksana" and not opd:
        errors.add("opd", _("A PPID Pelaksana is appointed for one OPD: choose it"))
    elif role != "pelaksana" and opd:
        errors.add("opd", _("Only a PPID Pelaksana is appointed for an OPD; leave it empty for "
                            "the PPID Utama and the Atasan PPID"))
    errors.raise_if_any()
    same = model.Session.query(Appointment).filter(
        Appointment.user_id == data["user"], Appointment.role == role,
        Appointment.opd.is_(None) if opd is None else Appointment.opd == opd).first()
    if same is not None:
        errors.add("user", _("This user already holds this appointment"))
        errors.raise_if_any()
    actor = lib.user_obj(context)
    appointment = Appointment(user_id=data["user"], role=role, opd=opd,
                              decree=data.get("decree"), appointed_by=actor.id if actor else None)
    model.Session.add(appointment)
    try:
        model.Session.commit()
    except IntegrityError:  # the same appointment made at the same moment
        model.Session.rollback()
        errors.add("user", _("This user already holds this appointment"))
        errors.raise_if_any()
    lib.forget_roles()
    log.info("PPID appointment %s: user %s as %s %s by %s", appointment.id, appointment.user_id,
             role, opd or "", appointment.appointed_by)
    return _appointment_dict(appointment)


def ppid_appointment_delete(context, data_dict):
    """Remove an appointment. Sysadmins remove every role; the PPID Utama removes PPID
    Pelaksana.

    :param id: the appointment's id
    """
    tk.check_access("ppid_appointment_delete", context, data_dict)
    data = _validated(data_dict, schema.appointment_delete_schema(), context)
    appointment = model.Session.get(Appointment, data["id"])
    if appointment is None:
        raise tk.ObjectNotFound(_("Appointment not found"))
    actor = lib.user_obj(context)
    log.info("PPID appointment %s removed (user %s as %s %s) by %s", appointment.id,
             appointment.user_id, appointment.role, appointment.opd or "",
             actor.id if actor else None)
    model.Session.delete(appointment)
    _commit([])
    lib.forget_roles()
