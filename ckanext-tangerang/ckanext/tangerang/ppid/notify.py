"""Mail of the workflow, through CKAN's mailer. Mail to the requester goes only to the address
they gave, in the language of the form they filed on (``Request.language``), whoever or
whatever sends it; mail to officers is in the portal's default language and carries numbers,
dates and links, never the requester's data."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang import city
from ckanext.tangerang.ppid import choices, lib


def _site() -> str:
    return lib.profile_settings().get("ppid_utama_title") or city.current().meta["portal_title"]


def in_requester_language(fn):
    """Build and send the mail in the requester's language (the portal's default for requests
    filed before it was kept)."""
    @functools.wraps(fn)
    def wrapper(req, *args, **kwargs):
        with lib.in_language(getattr(req, "language", None)):
            return fn(req, *args, **kwargs)
    return wrapper


def in_officers_language(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with lib.in_language(lib.default_language()):
            return fn(*args, **kwargs)
    return wrapper


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


@in_requester_language
def receipt(req, token: str, arrived: dt.date | None = None) -> bool:
    lines = [
        _("Your request for public information was received on %(date)s.") %
        {"date": lib.day_text(req.received_date)},
    ]
    if arrived is not None and arrived != req.received_date:
        lines.append(_("It arrived on %(arrived)s, outside the service days and hours of the "
                       "PPID (%(hours)s), so it counts as received on the next working day.") %
                     {"arrived": lib.day_text(arrived), "hours": service_hours_text()})
    lines.append(_("You will receive a written decision by %(date)s at the latest "
                   "(UU KIP Ps 22(7)).") % {"date": lib.day_text(req.due_date)})
    return _to_requester(req, _("Your request for public information was received"), lines)


def service_hours_text() -> str:
    hours = lib.service_hours()
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
             _("Saturday"), _("Sunday")]
    days = sorted(hours.days)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        span = _("%(first)s to %(last)s") % {"first": names[days[0]], "last": names[days[-1]]}
    else:
        span = ", ".join(names[d] for d in days)
    return f"{span} {hours.opens.strftime('%H:%M')}-{hours.closes.strftime('%H:%M')}"


@in_requester_language
def link(req, token: str) -> bool:
    return _to_requester(req, _("Your tracking link"), [
        _("You asked for the link to follow your request again."),
    ])


@in_requester_language
def completion_asked(req) -> bool:
    return _to_requester(req, _("Please complete your request"), [
        _("Your request needs to be completed: %(note)s") % {"note": req.completion_note},
        _("Please complete it by %(date)s through the tracking page.") %
        {"date": lib.day_text(req.completion_due)},
    ])


@in_requester_language
def completed(req) -> bool:
    return _to_requester(req, _("Your request was completed"), [
        _("Thank you: your request is complete. The decision is due by %(date)s.") %
        {"date": lib.day_text(req.due_date)},
    ])


@in_requester_language
def extended(req) -> bool:
    return _to_requester(req, _("The time to decide on your request was extended"), [
        _("The deadline was extended by %(days)s working days to %(date)s (UU KIP Ps 22(8)).") %
        {"days": req.extension_days, "date": lib.day_text(req.due_date)},
        _("Reason: %(reason)s") % {"reason": req.extension_reason},
    ])


@in_requester_language
def decided(req) -> bool:
    return _to_requester(req, _("Decision on your request"), [
        _("Decision: %(outcome)s") % {"outcome": choices.outcomes()[req.outcome]},
        _("The decision letter and any documents are on the tracking page."),
        _("If you disagree you may file an objection (keberatan) within %(days)s working days "
          "(UU KIP Ps 35-36).") % {"days": lib.setting("objection_days")},
    ])


@in_officers_language
def routed(req) -> None:
    _to_officers(req.opd, _("Request routed to you"), [
        _("Request %(number)s was routed to %(opd)s. Decision due by %(date)s.") %
        {"number": req.number, "opd": lib.opd_title(req.opd), "date": lib.day_text(req.due_date)},
        tk.url_for("ppid.officer_read", id=req.id, _external=True),
    ])


def objection_filed(req, obj) -> None:
    _objection_received(req, obj)
    _objection_to_atasan(req, obj)


@in_requester_language
def _objection_received(req, obj) -> None:
    _to_requester(req, _("Your objection was received"), [
        _("Your objection %(number)s was received on %(date)s. The atasan PPID decides by "
          "%(due)s (UU KIP Ps 36(2)).") %
        {"number": obj.number, "date": lib.day_text(obj.filed_date), "due": lib.day_text(obj.due_date)},
    ])


@in_officers_language
def _objection_to_atasan(req, obj) -> None:
    for user in lib.officers("atasan"):
        lib.send_mail(user.display_name, user.email, f"[{obj.number}] " + _("New objection"), "\n".join([
            _("Objection %(number)s to request %(request)s must be decided by %(due)s.") %
            {"number": obj.number, "request": req.number, "due": lib.day_text(obj.due_date)},
            tk.url_for("ppid.officer_read", id=req.id, _external=True),
        ]))


@in_requester_language
def objection_decided(req, obj) -> bool:
    return _to_requester(req, _("Decision on your objection"), [
        _("Objection %(number)s: %(result)s") %
        {"number": obj.number, "result": choices.objection_results()[obj.result]},
        _("Reasons: %(reasons)s") % {"reasons": obj.result_reasons},
        _("If you disagree you may file a dispute with %(ki)s by %(date)s (UU KIP Ps 37(2)).") %
        {"ki": lib.profile_settings().get("komisi_informasi", _("the Information Commission")),
         "date": lib.day_text(obj.dispute_due)},
    ])


def _due_text(due: dt.date, days_left: int, today: dt.date) -> str:
    if due < today:
        return _("OVERDUE since %(date)s") % {"date": lib.day_text(due)}
    if days_left == 0:
        return _("due today, %(date)s") % {"date": lib.day_text(due)}
    return _("due %(date)s, in %(days)s working days") % {"date": lib.day_text(due),
                                                          "days": days_left}


@in_officers_language
def new_request(req) -> None:
    """A new request: the PPID Utama (who routes it) and, when it was registered for an OPD,
    that OPD's Pelaksana."""
    lines = [
        _("A new request for public information, %(number)s, was received on %(date)s through "
          "%(channel)s. The decision is due by %(due)s (UU KIP Ps 22(7)).") %
        {"number": req.number, "date": lib.day_text(req.received_date),
         "channel": choices.channels(lib.profile_settings()).get(req.channel, req.channel),
         "due": lib.day_text(req.due_date)},
        tk.url_for("ppid.officer_read", id=req.id, _external=True),
    ]
    if req.opd:
        lines.insert(1, _("It was registered for %(opd)s.") % {"opd": lib.opd_title(req.opd)})
    subject = f"[{req.number}] " + _("New request for public information")
    _to_officers(None, subject, lines)
    if req.opd:
        _to_officers(req.opd, subject, lines)


@in_officers_language
def reminder(opd: str | None, items: list, today: dt.date) -> None:
    """Officers of the OPD (PPID Utama before routing): ``items`` are (request, working days
    left) of the decision deadlines."""
    lines = [_("Requests due soon or overdue (%(date)s):") % {"date": lib.day_text(today)}, ""]
    for req, days_left in items:
        lines.append(f"- {req.number}: {_due_text(req.due_date, days_left, today)} "
                     f"{tk.url_for('ppid.officer_read', id=req.id, _external=True)}")
    _to_officers(opd, _("Reminder: requests due"), lines)


@in_officers_language
def objection_reminder(items: list, today: dt.date) -> None:
    """The Atasan PPID: ``items`` are (objection, working days left)."""
    lines = [_("Objections due soon or overdue (%(date)s):") % {"date": lib.day_text(today)}, ""]
    lines += [f"- {o.number}: {_due_text(o.due_date, days_left, today)}"
              for o, days_left in items]
    for user in lib.officers("atasan"):
        lib.send_mail(user.display_name, user.email, _("Reminder: objections due"),
                      "\n".join(lines))


@in_requester_language
def completion_reminder(req, days_left: int, today: dt.date) -> bool:
    """The requester, before the period to complete the request ends."""
    return _to_requester(req, _("Reminder: please complete your request"), [
        _("Your request still needs to be completed: %(note)s") % {"note": req.completion_note},
        _("The period to complete it ends %(when)s. Without it the request lapses.") %
        {"when": _due_text(req.completion_due, days_left, today)},
    ])


@in_requester_language
def deadline_moved(req, changes: list[tuple[str, dt.date, dt.date]], reason) -> bool:
    """The working-day calendar changed: ``changes`` are (what, old date, new date);
    ``reason`` a text or a function giving it (then in the requester's language)."""
    labels = deadline_labels()
    reason = reason() if callable(reason) else reason
    lines = [_("The working-day calendar of the PPID changed (%(reason)s), so the deadlines of "
               "your request were counted again by the same rules:") % {"reason": reason}]
    lines += [_("%(what)s: now %(new)s (was %(old)s)") %
              {"what": labels.get(what, what), "new": lib.day_text(new), "old": lib.day_text(old)}
              for what, old, new in changes]
    return _to_requester(req, _("New deadline for your request"), lines)


def deadline_labels() -> dict[str, str]:
    return {
        "due_date": _("Written decision due (UU KIP Ps 22)"),
        "completion_due": _("Completion of the request due"),
        "objection_due": _("Decision on the objection due (UU KIP Ps 36(2))"),
        "dispute_due": _("Last day to file a dispute (UU KIP Ps 37(2))"),
    }


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


@in_requester_language
def subject_copy(req, lines) -> bool:
    """A copy of the requester's personal data (UU PDP Ps 7, 32), to the address they gave;
    ``lines`` builds the text in their language."""
    return _to_requester(req, _("A copy of your personal data"), lines(req))


def _local_time(stamp: dt.datetime) -> str:
    """A stored (UTC) time as the city's clock reads it."""
    return stamp.replace(tzinfo=dt.timezone.utc).astimezone(lib.timezone()).strftime(
        "%Y-%m-%d %H:%M")


@in_officers_language
def subject_copy_reminder(req, item, overdue: bool) -> None:
    """A copy of personal data not yet handed over, on its last day or overdue."""
    due = _local_time(item.due)
    line = (_("The copy of personal data asked for on %(number)s was due by %(due)s (3 x 24 "
              "hours, UU PDP Ps 32(2)) and is not recorded as handed over.") if overdue else
            _("The copy of personal data asked for on %(number)s is due by %(due)s (3 x 24 "
              "hours, UU PDP Ps 32(2)): hand it over and record it on the request's page."))
    _to_officers(req.opd, _("[%(number)s] Reminder: a copy of personal data to hand over") %
                 {"number": req.number},
                 [line % {"number": req.number, "due": due},
                  tk.url_for("ppid.officer_read", id=req.id, _external=True)])


@in_officers_language
def subject_request_to_officers(req, item) -> None:
    """A copy for a requester without an e-mail address: the PPID hands it over within
    3 x 24 hours (UU PDP Ps 32(2)). Numbers and dates only, never the data."""
    _to_officers(req.opd, _("[%(number)s] A requester asks for a copy of their personal data") %
                 {"number": req.number}, [
        _("The requester of %(number)s asked for a copy of their personal data (UU PDP Ps 7). "
          "They gave no e-mail address: hand it over by %(due)s (3 x 24 hours, UU PDP Ps 32(2)) "
          "and record it on the request's page.") %
        {"number": req.number, "due": _local_time(item.due)},
        tk.url_for("ppid.officer_read", id=req.id, _external=True),
    ])
