"""A requester's requests about their own personal data (UU PDP 27/2022), from the tracking
page: a **copy** (Ps 7; given within 3 x 24 hours, Ps 32(2)) and **erasure** (Ps 8; Ps 43(1)c).

- A copy goes by mail to the address the requester gave (the channel that proves it is them;
  the tracking link alone may have been passed on). A requester without an address gets it
  from the PPID: the request waits as ``received`` until an officer records it handed over.
- Erasure removes what ``erase`` removes (the personal fields and the identity files; the
  request stays for the register and the reports, UU KIP Ps 12). While the request is being
  handled, or a keberatan or dispute on it is open, the data is still needed for it (UU PDP
  Ps 43(1)a; UU KIP Ps 36-37): the erasure waits and the daily purge carries it out once that
  ends. The requester is told which and why.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import choices, lib, notify
from ckanext.tangerang.ppid.logic import personal
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.model import (
    PERSONAL_FIELDS, Event, Objection, Request, SubjectRequest,
)

KINDS = ("copy", "erase")
HOURS = 72   # UU PDP Ps 32(2): 3 x 24 hours
CLOSED_STATES = ("decided", "lapsed")


def erased(req: Request) -> bool:
    return not req.name and not req.nik and not req.email


def erase(req: Request) -> list[str]:
    """Blank the personal fields, drop the identity files and note it (not publicly). Returns
    the stored paths to remove once the transaction commits."""
    for field in PERSONAL_FIELDS:
        setattr(req, field, "" if field in ("name", "address") else None)
    removed = []
    for stored in [f for f in req.files if f.kind in personal.PERSONAL_FILE_KINDS]:
        removed.append(stored.storage_path)
        req.files.remove(stored)
    req.modified = dt.datetime.utcnow()
    req.events.append(Event(action="purge", actor_role="system", from_state=req.state,
                            to_state=req.state, public=False))
    return removed


def held_because(req: Request, today: dt.date) -> str | None:
    """Why the data is still needed (a msgid), or None when it may be erased now."""
    if req.state not in CLOSED_STATES:
        return "request_open"
    open_objection = model.Session.query(Objection.id).filter(
        Objection.request_id == req.id, personal.objection_open(today)).first()
    return "objection_open" if open_objection else None


def held_labels() -> dict[str, str]:
    return {
        "request_open": _("your request is still being handled and needs your data (UU PDP "
                          "Ps 43(1)a); it will be erased when the request is closed"),
        "objection_open": _("a keberatan or dispute on your request is open and needs your data "
                            "(UU KIP Ps 36-37); it will be erased when it is closed"),
    }


def kind_labels() -> dict[str, str]:
    return {"copy": _("A copy of my personal data"), "erase": _("Erase my personal data")}


def state_labels() -> dict[str, str]:
    return {"done": _("Done"), "received": _("To be handed over by the PPID"),
            "waiting": _("Waiting")}


def _dict(item: SubjectRequest) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "state": item.state,
            "created": item.created.isoformat(), "due": item.due.isoformat(),
            "done": item.done.isoformat() if item.done else None, "note": item.note,
            "note_text": held_labels().get(item.note, item.note) if item.note else None,
            "kind_label": kind_labels()[item.kind], "state_label": state_labels()[item.state]}


def for_request(req: Request) -> list[dict[str, Any]]:
    rows = model.Session.query(SubjectRequest).filter(SubjectRequest.request_id == req.id) \
        .order_by(SubjectRequest.created).all()
    return [_dict(row) for row in rows]


def _copy_lines(req: Request) -> list[str]:
    labels = choices.personal_field_labels()
    lines = [_("As you asked (UU PDP Ps 7), this is the personal data the PPID holds about you "
               "for this request:"), ""]
    lines += [f"{label}: {getattr(req, field) or '-'}" for field, label in labels.items()]
    files = [f.filename for f in req.files if f.kind in personal.PERSONAL_FILE_KINDS]
    lines += ["", _("Files: %(files)s") % {"files": ", ".join(files) or "-"}]
    accesses = personal.access_log(req)
    lines.append(_("Officers who opened your data: %(count)s times (the list is on your "
                   "tracking page)") % {"count": len(accesses)})
    lines += ["", _("It is used only to handle your request and any keberatan or dispute on it "
                    "(UU KIP Ps 22, 35-37), and erased %(days)s days after the request is "
                    "closed. You may ask for its erasure on your tracking page.") %
              {"days": lib.setting("retention_days")}]
    return lines


# Actions ------------------------------------------------------------------------------------

def ppid_subject_request_create(context, data_dict):
    """The requester asks for a copy of their personal data or for its erasure.

    :param token: the tracking token
    :param kind: ``copy`` or ``erase``
    :param confirm: required for ``erase`` (the erasure cannot be undone)
    :returns: the data-subject request {id, kind, state, due, done, note, note_text}
    """
    tk.check_access("ppid_subject_request_create", context, data_dict)
    req = lib.request_by_token(data_dict.get("token"))
    data, errors = schema.validate(data_dict, schema.subject_request_create(KINDS), context)
    kind = data.get("kind")
    if kind == "erase" and not data.get("confirm"):
        errors.add("confirm", _("Tick the box to confirm: the erasure cannot be undone"))
    if kind and erased(req):
        errors.add("kind", _("Your personal data for this request was already erased"))
    if kind == "erase" and model.Session.query(SubjectRequest.id).filter(
            SubjectRequest.request_id == req.id, SubjectRequest.kind == "erase",
            SubjectRequest.state == "waiting").first():
        errors.add("kind", _("Your erasure request is already recorded and waiting"))
    errors.raise_if_any()
    now = dt.datetime.utcnow()
    item = SubjectRequest(request_id=req.id, kind=kind, created=now,
                          due=now + dt.timedelta(hours=HOURS))
    removed: list[str] = []
    mail_copy = False
    if kind == "copy":
        item.state = "done" if req.email else "received"
        mail_copy = bool(req.email)
    else:
        item.note = held_because(req, lib.today())
        item.state = "waiting" if item.note else "done"
        if not item.note:
            removed = erase(req)
    if item.state == "done":
        item.done = now
    model.Session.add(item)
    req.events.append(Event(action=f"subject_{kind}", actor_role="requester",
                            from_state=req.state, to_state=req.state, public=True,
                            note=None))
    req.modified = now
    if mail_copy:
        # the copy is built before the commit, from the values in this transaction
        sent = notify.subject_copy(req, _copy_lines)
        if not sent:
            item.state, item.done = "received", None
    model.Session.commit()
    lib.remove_stored(removed)
    if item.state == "received":
        notify.subject_request_to_officers(req, item)
    return _dict(item)


@tk.side_effect_free
def ppid_subject_request_list(context, data_dict):
    """The data-subject requests of one request (its officers), or the open ones of every request
    (PPID Utama: ``id`` left out).

    :param id: the request's id or nomor pendaftaran (optional for PPID Utama)
    """
    tk.check_access("ppid_subject_request_list", context, data_dict)
    if data_dict.get("id") or data_dict.get("number"):
        req = lib.get_request(data_dict)
        return [{**item, "request": req.number} for item in for_request(req)]
    rows = model.Session.query(SubjectRequest, Request.number) \
        .join(Request, Request.id == SubjectRequest.request_id) \
        .filter(SubjectRequest.state != "done").order_by(SubjectRequest.due).all()
    return [{**_dict(item), "request": number} for item, number in rows]


def ppid_subject_request_close(context, data_dict):
    """An officer records a copy handed over (to a requester without an e-mail address).

    :param id: the data-subject request's id
    :param note: how it was handed over (required)
    """
    item = model.Session.get(SubjectRequest, data_dict.get("id") or "")
    if item is None:
        raise tk.ObjectNotFound(_("Data-subject request not found"))
    req = model.Session.get(Request, item.request_id)
    tk.check_access("ppid_subject_request_close", context, {"id": req.id})
    data, errors = schema.validate(data_dict, schema.subject_request_close(), context)
    note = data.get("note")
    if item.kind != "copy" or item.state != "received":
        errors.add("id", _("Only a copy waiting to be handed over can be recorded as given"))
    errors.raise_if_any()
    user = lib.user_obj(context)
    item.state, item.done, item.done_by, item.note = "done", dt.datetime.utcnow(), user.id, note
    req.events.append(Event(action="subject_copy_given", actor_role=lib.role_of(user, req.opd)
                            or "ppid_utama", actor_id=user.id, from_state=req.state,
                            to_state=req.state, public=True))
    req.modified = dt.datetime.utcnow()
    model.Session.commit()
    return _dict(item)


def carry_out_waiting(today: dt.date) -> tuple[int, list[str]]:
    """For the daily purge: the waiting erasures whose request and keberatan are closed now.
    Returns (count, stored paths to remove after the commit)."""
    removed: list[str] = []
    count = 0
    waiting = model.Session.query(SubjectRequest).filter(SubjectRequest.state == "waiting").all()
    for item in waiting:
        req = model.Session.get(Request, item.request_id)
        reason = held_because(req, today)
        if reason:
            item.note = reason
            continue
        if not erased(req):
            removed += erase(req)
        item.state, item.done = "done", dt.datetime.utcnow()
        count += 1
    return count, removed


# Auth -----------------------------------------------------------------------------------------

@tk.auth_allow_anonymous_access
def _auth_create(context, data_dict):
    # the tracking token is the requester's key; the action refuses a wrong one
    return {"success": True}


def _auth_officer(context, data_dict):
    user = lib.user_obj(context)
    ident = (data_dict or {}).get("id") or (data_dict or {}).get("number")
    if not ident:
        return {"success": lib.is_utama(user),
                "msg": _("Only the PPID Utama sees every data-subject request")}
    req = Request.get(ident)
    if req is None:
        return {"success": lib.is_officer(user), "msg": _("Only PPID officers may see requests")}
    return {"success": lib.can_handle(user, req.opd),
            "msg": _("Only the officer handling the request (the PPID Utama or the PPID "
                     "Pelaksana of its OPD) handles its requester's data-subject requests")}


ACTIONS = {
    "ppid_subject_request_create": ppid_subject_request_create,
    "ppid_subject_request_list": ppid_subject_request_list,
    "ppid_subject_request_close": ppid_subject_request_close,
}
AUTH_FUNCTIONS = {
    "ppid_subject_request_create": _auth_create,
    "ppid_subject_request_list": _auth_officer,
    "ppid_subject_request_close": _auth_officer,
}
