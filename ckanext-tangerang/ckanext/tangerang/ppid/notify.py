"""Mail of the workflow, through CKAN's mailer. Mail to the requester goes only to the address
they gave; mail to officers carries numbers, dates and links, never the requester's data."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang import city
from ckanext.tangerang.ppid import choices, lib


def _site() -> str:
    return lib.profile_settings().get("ppid_utama_title") or city.current().meta["portal_title"]


def _to_requester(req, subject: str, lines: Iterable[str]) -> bool:
    token = lib.tracking_token(req.id)
    body = "\n".join([
        _("Dear %(name)s,") % {"name": req.name}, "",
        *lines, "",
        _("Registration number: %(number)s") % {"number": req.number},
        _("Follow your request here (keep this link private):"),
        lib.tracking_url(token), "",
        _site(),
    ])
    return lib.send_mail(req.name, req.email, f"[{req.number}] {subject}", body)


def receipt(req, token: str) -> bool:
    return _to_requester(req, _("Your request for public information was received"), [
        _("Your request for public information was received on %(date)s.") %
        {"date": req.received_date.isoformat()},
        _("You will receive a written decision by %(date)s at the latest (UU KIP Ps 22(7)).") %
        {"date": req.due_date.isoformat()},
    ])


def link(req, token: str) -> bool:
    return _to_requester(req, _("Your tracking link"), [
        _("You asked for the link to follow your request again."),
    ])


def completion_asked(req) -> bool:
    return _to_requester(req, _("Please complete your request"), [
        _("Your request needs to be completed: %(note)s") % {"note": req.completion_note},
        _("Please complete it by %(date)s through the tracking page.") %
        {"date": req.completion_due.isoformat()},
    ])


def completed(req) -> bool:
    return _to_requester(req, _("Your request was completed"), [
        _("Thank you: your request is complete. The decision is due by %(date)s.") %
        {"date": req.due_date.isoformat()},
    ])


def extended(req) -> bool:
    return _to_requester(req, _("The time to decide on your request was extended"), [
        _("The deadline was extended by %(days)s working days to %(date)s (UU KIP Ps 22(8)).") %
        {"days": req.extension_days, "date": req.due_date.isoformat()},
        _("Reason: %(reason)s") % {"reason": req.extension_reason},
    ])


def decided(req) -> bool:
    return _to_requester(req, _("Decision on your request"), [
        _("Decision: %(outcome)s") % {"outcome": choices.outcomes()[req.outcome]},
        _("The decision letter and any documents are on the tracking page."),
        _("If you disagree you may file an objection (keberatan) within %(days)s working days "
          "(UU KIP Ps 35-36).") % {"days": lib.setting("objection_days")},
    ])


def routed(req) -> None:
    _to_officers(req.opd, _("Request routed to you"), [
        _("Request %(number)s was routed to %(opd)s. Decision due by %(date)s.") %
        {"number": req.number, "opd": lib.opd_title(req.opd), "date": req.due_date.isoformat()},
        tk.url_for("ppid.officer_read", id=req.id, _external=True),
    ])


def objection_filed(req, obj) -> None:
    _to_requester(req, _("Your objection was received"), [
        _("Your objection %(number)s was received on %(date)s. The atasan PPID decides by "
          "%(due)s (UU KIP Ps 36(2)).") %
        {"number": obj.number, "date": obj.filed_date.isoformat(), "due": obj.due_date.isoformat()},
    ])
    for user in lib.officers("atasan"):
        lib.send_mail(user.display_name, user.email, f"[{obj.number}] " + _("New objection"), "\n".join([
            _("Objection %(number)s to request %(request)s must be decided by %(due)s.") %
            {"number": obj.number, "request": req.number, "due": obj.due_date.isoformat()},
            tk.url_for("ppid.officer_read", id=req.id, _external=True),
        ]))


def objection_decided(req, obj) -> bool:
    return _to_requester(req, _("Decision on your objection"), [
        _("Objection %(number)s: %(result)s") %
        {"number": obj.number, "result": choices.objection_results()[obj.result]},
        _("Reasons: %(reasons)s") % {"reasons": obj.result_reasons},
        _("If you disagree you may file a dispute with %(ki)s by %(date)s (UU KIP Ps 37(2)).") %
        {"ki": lib.profile_settings().get("komisi_informasi", _("the Information Commission")),
         "date": obj.dispute_due.isoformat()},
    ])


def reminder(opd: str | None, requests: list, today: dt.date) -> None:
    lines = [_("Requests due soon or overdue (%(date)s):") % {"date": today.isoformat()}, ""]
    for req in requests:
        flag = _("OVERDUE") if req.due_date < today else _("due")
        lines.append(f"- {req.number}: {flag} {req.due_date.isoformat()} "
                     f"{tk.url_for('ppid.officer_read', id=req.id, _external=True)}")
    _to_officers(opd, _("Reminder: requests due"), lines)


def objection_reminder(objections: list, today: dt.date) -> None:
    lines = [_("Objections due soon or overdue (%(date)s):") % {"date": today.isoformat()}, ""]
    lines += [f"- {o.number}: {o.due_date.isoformat()}" for o in objections]
    for user in lib.officers("atasan"):
        lib.send_mail(user.display_name, user.email, _("Reminder: objections due"),
                      "\n".join(lines))


def officers_of(opd: str | None) -> list[model.User]:
    """Pelaksana of the OPD; PPID Utama when the request is not routed yet. Both by
    appointment (and the ini's bootstrap lists), as the auth functions see them."""
    return lib.officers("utama") if opd is None else lib.officers("pelaksana", opd)


def _to_officers(opd: str | None, subject: str, lines: list[str]) -> None:
    body = "\n".join(lines)
    users = [u for u in officers_of(opd) if u.email]
    if users:
        for user in users:
            lib.send_mail(user.display_name, user.email, subject, body)
        return
    for item in city.current().opds:
        if item.name == (opd or city.current().meta["walidata_org"]) and item.email:
            lib.send_mail(item.title, item.email, subject, body)
