"""Shared by the PPID actions: the dictionaries each viewer gets, the request's facts as the
workflow table (ppid/workflow.py) reads them, events, stored files and the one commit of a step.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.redis import connect_to_redis
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import choices, lib, workflow
from ckanext.tangerang.ppid.logic import personal, subject
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.logic import validators as v
from ckanext.tangerang.ppid.model import Event, File, Objection, Request


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


# The notes the portal writes itself (a channel, an outcome, a date, a recount) are stored as
# their parts and worded when shown, in the reader's language; notes people type stay as typed.
NOTE_MARK = "ppid-note:"


def written_note(kind: str, **parts) -> str:
    """The stored form of a note the portal writes (see note_text for the kinds)."""
    return NOTE_MARK + json.dumps({"kind": kind, **parts}, sort_keys=True, default=str)


def _day(iso: str) -> str:
    return lib.day_text(dt.date.fromisoformat(iso))


def holiday_wording(date: str, name: str, change: str) -> str:
    return {"working": _("%(date)s is now a working day: %(name)s"),
            "off": _("%(date)s is now a day off: %(name)s"),
            "removed": _("the override of %(date)s (%(name)s) was removed")}[change] % \
        {"date": _day(date), "name": name}


def _calendar_wording(reason: dict, changes: list) -> str:
    from ckanext.tangerang.ppid import notify

    labels = notify.deadline_labels()
    moves = "; ".join(_("%(what)s: %(old)s -> %(new)s") %
                      {"what": labels.get(what, what), "old": _day(old), "new": _day(new)}
                      for what, old, new in changes)
    return _("Calendar changed (%(reason)s): %(changes)s") % {
        "reason": holiday_wording(**reason), "changes": moves}


NOTE_WORDING = {
    "channel": lambda code: choices.channels(lib.profile_settings(), lib.current_language()).get(code, code),
    "outcome": lambda code: choices.outcomes().get(code, code),
    "objection_decided": lambda number, result:
        f"{number}: {choices.objection_results().get(result, result)}",
    "extend": lambda days, date, reason: _("%(days)s working days, until %(date)s: %(reason)s") %
        {"days": days, "date": _day(date), "reason": reason},
    "lapse": lambda date: _("The completion period ended on %(date)s") % {"date": _day(date)},
    "calendar": _calendar_wording,
}


# the events whose note the portal writes; any other note was typed by a person and is shown
# as typed, even when it looks like a stored note
WRITTEN_NOTES = {"create", "register", "decide", "extend", "lapse", "calendar", "objection_decide"}


def note_text(note: str | None, action: str) -> str | None:
    """A stored note as the reader reads it."""
    if not note or action not in WRITTEN_NOTES or not note.startswith(NOTE_MARK):
        return note
    try:
        parts = json.loads(note[len(NOTE_MARK):])
        return NOTE_WORDING[parts.pop("kind")](**parts)
    except (ValueError, KeyError, TypeError):  # a kind this version does not know
        return note


def _event_dict(event: Event, with_actor: bool) -> dict[str, Any]:
    out = {"action": event.action, "actor_role": event.actor_role,
           "from_state": event.from_state, "to_state": event.to_state, "note": note_text(event.note, event.action),
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

def _request_for(context: dict, data_dict: dict) -> tuple[Request, str, str | None]:
    """The request and the acting role: by tracking token (the requester) or by id (officer)."""
    if data_dict.get("token"):
        return lib.request_by_token(data_dict["token"]), "requester", None
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


ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


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
        # the table speaks ISO dates; people read them in the page's language
        params = {k: ISO_DAY.sub(lambda m: lib.day_text(dt.date.fromisoformat(m.group(0))), p)
                  if isinstance(p, str) else p for k, p in params.items()}
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


def _paging(data_dict, default: int) -> tuple[int, int]:
    data, errors = schema.validate(data_dict, schema.paging(default))
    errors.raise_if_any()
    return data["limit"], data["offset"]


def _year(data_dict) -> int:
    data, errors = schema.validate(data_dict, schema.year())
    errors.raise_if_any()
    return data["year"]
