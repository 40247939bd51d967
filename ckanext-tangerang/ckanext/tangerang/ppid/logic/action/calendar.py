"""The working-day calendar: the officers' holiday overrides, the recount of open deadlines after a
change, and the daily job that lapses requests and sends the reminders.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import choices, clock, lib, notify, workflow
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.model import Holiday, Objection, Request, SubjectRequest
from ckanext.tangerang.ppid.model import claim_reminder
from ckanext.tangerang.ppid.logic.action.common import (
    _commit, _event, _facts, _local_date, _rules, _year, holiday_wording, written_note,
)


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
    data, errors = schema.validate(data_dict, schema.holiday_create(), context)
    errors.raise_if_any()
    day, name = data["date"], data["name"]
    user = lib.user_obj(context)
    holiday = model.Session.get(Holiday, day) or Holiday(date=day)
    holiday.name, holiday.working = name, data["working"]
    holiday.created_by = user.id if user else None
    model.Session.add(holiday)
    reason = {"date": day.isoformat(), "name": name, "change": "working" if holiday.working else "off"}
    moved = _recompute_deadlines(context, reason)
    _commit([])
    _mail_moved(moved, reason)
    return {"date": day.isoformat(), "working": holiday.working, "name": name,
            "moved": len(moved)}


def ppid_holiday_delete(context, data_dict):
    """:param date: the override to remove."""
    tk.check_access("ppid_holiday_create", context, data_dict)
    data, errors = schema.validate(data_dict, schema.holiday_delete(), context)
    errors.raise_if_any()
    day = data["date"]
    holiday = model.Session.get(Holiday, day)
    if holiday is None:
        raise tk.ObjectNotFound(_("Override not found"))
    reason = {"date": day.isoformat(), "name": holiday.name, "change": "removed"}
    model.Session.delete(holiday)
    model.Session.flush()
    moved = _recompute_deadlines(context, reason)
    _commit([])
    _mail_moved(moved, reason)
    return {"date": day.isoformat(), "moved": len(moved)}


def _recompute_deadlines(context, reason: dict) -> list[tuple[Request, list]]:
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
        _event(req, "calendar", role, user.id if user else None, req.state,
               written_note("calendar", reason=reason,
                            changes=[(what, old.isoformat(), new.isoformat())
                                     for what, old, new in changes]))
    return list(changed.values())


def _mail_moved(moved: list[tuple[Request, list]], reason: dict) -> None:
    def wording() -> str:  # in each requester's language
        return holiday_wording(**reason)
    for req, changes in moved:
        notify.deadline_moved(req, changes, wording)


# Reminders -------------------------------------------------------------------------------

def ppid_remind(context, data_dict):
    """The daily job: lapse requests not completed in time, and remind, ``reminder_days``
    working days (default 3 and 1) before each deadline and once when it has passed: the
    officers of the request (PPID Utama before routing) of the decision, the Atasan PPID of a
    keberatan, the requester of completing the request (in the requester's language). Each
    reminder is recorded and sent once, however often the job runs.

    :returns: counts {reminded, overdue, lapsed, objections, completion, copies}
    """
    tk.check_access("ppid_remind", context, data_dict)
    today = lib.today()
    cal = lib.calendar()
    steps = lib.setting("reminder_days")
    horizon = cal.add(today, max(steps)) if steps and max(steps) > 0 else today
    s = model.Session
    counts = {"reminded": 0, "overdue": 0, "lapsed": 0, "objections": 0, "completion": 0,
              "copies": 0}
    lapsed = s.query(Request).filter(Request.state == "incomplete",
                                     Request.completion_due < today).all()
    for req in lapsed:
        facts = _facts(req)
        if workflow.check(facts, "lapse", "system", today, cal, _rules()):
            continue
        for field, value in workflow.apply(facts, "lapse", today, cal, _rules()).items():
            setattr(req, field, value)
        _event(req, "lapse", "system", None, "incomplete",
               written_note("lapse", date=req.completion_due.isoformat()))
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
    # copies of personal data still to hand over (UU PDP Ps 32(2): 3 x 24 hours): once on their
    # last day, once when overdue; recorded as reminders of the request, keyed by the
    # data-subject request's id
    copies = []
    soon = dt.datetime.utcnow() + dt.timedelta(hours=24)
    for item in s.query(SubjectRequest).filter(SubjectRequest.kind == "copy",
                                               SubjectRequest.state == "received",
                                               SubjectRequest.due <= soon):
        overdue = item.due < dt.datetime.utcnow()
        if claim_reminder(item.request_id, item.id, "subject_copy", item.due.date(),
                          0 if overdue else 1):
            copies.append((model.Session.get(Request, item.request_id), item, overdue))
    counts["copies"] = len(copies)
    _commit([])
    for opd, items in by_opd.items():
        notify.reminder(opd, items, today)
    for req, left in completion:
        notify.completion_reminder(req, left, today)
    if objections:
        notify.objection_reminder(objections, today)
    for req, item, overdue in copies:
        notify.subject_copy_reminder(req, item, overdue)
    return counts
