"""The PPID workflow as ONE table: states, events, who may fire each, the preconditions with
their article of law, and the effect of each event on the deadlines.

UU No. 14/2008 (KIP) and Perki No. 1/2021; the rule book is /work/shared/reference/ppid-rules.md.
Pure logic, no database: the actions (``logic/action/``) and the auth functions
(``logic/auth.py``) derive their checks from ``STEPS`` through ``may``, ``check`` and
``apply``; ``docs/ppid.md`` carries the table printed by
``python -m ckanext.tangerang.ppid.workflow --markdown``; the property test of
``tests/ppid/test_ppid_workflow_table.py`` fires random events through ``fire``.

Messages are msgids (English, marked with ``N_`` for the catalogue); the caller translates
them with ``Refusal.text(_)``. Each names its field and its article.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Callable, Iterable
from typing import Any


def N_(message: str) -> str:
    """Marks a msgid for the catalogue; translated where it is shown."""
    return message


ROLES = ("requester", "pelaksana", "utama", "atasan", "system")
# "new": a request not yet registered
REQUEST_STATES = ("new", "received", "incomplete", "processing", "decided", "lapsed")
OPEN_STATES = ("received", "processing")
OBJECTION_STATES = ("filed", "decided", "dispute")
GIVEN_OUTCOMES = ("granted", "partly")           # information given: a fee may apply (Ps 21)
EXEMPT_OUTCOMES = ("partly", "rejected")
MEDIATION_GROUNDS = tuple("bcdefg")              # Ps 35(2): may be settled by musyawarah
OBJECTION_RESULTS = ("accepted", "rejected", "musyawarah")
# lib.role_of's names -> the table's roles
ROLE_NAMES = {"ppid_utama": "utama", "ppid_pelaksana": "pelaksana", "atasan": "atasan",
              "requester": "requester", "system": "system"}


@dataclasses.dataclass(frozen=True)
class Rules:
    """The limits (working days) of ppid-rules.md; the actions fill them from the settings."""
    decision_days: int = 10
    extension_max_days: int = 7
    completion_days: int = 3
    completion_restarts_clock: bool = True
    objection_days: int = 30
    objection_decision_days: int = 30
    dispute_days: int = 14


@dataclasses.dataclass
class ObjectionFacts:
    state: str
    filed_date: dt.date
    due_date: dt.date
    grounds: tuple[str, ...] = ()
    decided_date: dt.date | None = None
    # the day the Atasan's decision was recorded: the dispute window runs from it
    recorded_date: dt.date | None = None
    result: str | None = None
    dispute_due: dt.date | None = None
    dispute_filed_date: dt.date | None = None


@dataclasses.dataclass
class Facts:
    """What the workflow needs to know of one request (names as the request's columns)."""
    state: str
    received_date: dt.date | None = None
    clock_start: dt.date | None = None
    due_date: dt.date | None = None
    # the date of the latest step recorded (receipt, routing, completion, extension, ...)
    last_step: dt.date | None = None
    extension_days: int | None = None
    completion_due: dt.date | None = None
    completion_asked: int = 0
    outcome: str | None = None
    decided_date: dt.date | None = None
    # the day the decision was recorded: what counts for on-time figures (and ground g)
    recorded_date: dt.date | None = None
    on_time: bool | None = None
    working_days_taken: int | None = None
    cost: int = 0
    deciders: frozenset[str] = frozenset()
    objections: list[ObjectionFacts] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Refusal:
    field: str
    message: str                    # msgid with %(name)s placeholders
    params: dict[str, Any]
    article: str

    def text(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        return gettext(self.message) % self.params if self.params else gettext(self.message)


@dataclasses.dataclass(frozen=True)
class Rule:
    """A precondition: ``test`` answers None when it holds, else the message's parameters."""
    code: str
    field: str
    article: str
    summary: str                    # for the docs table (English)
    message: str                    # the refusal's msgid
    test: Callable[..., dict[str, Any] | None]


@dataclasses.dataclass(frozen=True)
class Step:
    name: str
    action: str
    subject: str                    # "request" or "objection"
    roles: tuple[str, ...]
    from_states: tuple[str, ...]
    to_state: str | None            # None: the state does not change
    rules: tuple[Rule, ...]
    deadlines: tuple[tuple[str, str], ...]   # (deadline, effect with its article)
    article: str


# Preconditions -------------------------------------------------------------------------------

def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _before_deadline(f: Facts, today: dt.date, data, cal, rules):
    return None if f.due_date is None or today <= f.due_date else {"date": _iso(f.due_date)}


def _not_extended(f: Facts, today, data, cal, rules):
    return {"days": f.extension_days} if f.extension_days else None


def _extension_days(f, today, data, cal, rules):
    days = data.get("days")
    if days is None:
        return None  # the field check of the action reports a missing or bad number
    return None if 1 <= days <= rules.extension_max_days else {"max": rules.extension_max_days}


def _asked_once(f: Facts, today, data, cal, rules):
    return {"count": f.completion_asked} if f.completion_asked else None


def _completion_open(f: Facts, today, data, cal, rules):
    return None if f.completion_due is None or today <= f.completion_due else \
        {"date": _iso(f.completion_due), "days": rules.completion_days}


def _completion_ended(f: Facts, today, data, cal, rules):
    return None if f.completion_due is not None and today > f.completion_due else \
        {"date": _iso(f.completion_due)}


def _date_not_future(f: Facts, today, data, cal, rules):
    day = data.get("decided_date")
    return {"date": _iso(today)} if day and day > today else None


def _date_after_last_step(f: Facts, today, data, cal, rules):
    day = data.get("decided_date")
    return {"date": _iso(f.last_step)} if day and f.last_step and day < f.last_step else None


def _backdate_reason(f: Facts, today, data, cal, rules):
    day = data.get("decided_date")
    return {"date": _iso(today)} if day and day < today and not data.get("decided_date_reason") \
        else None


def _fee_only_when_given(f: Facts, today, data, cal, rules):
    cost, outcome = data.get("cost") or 0, data.get("outcome")
    return None if not cost or outcome is None or outcome in GIVEN_OUTCOMES else {"cost": cost}


def _no_objection_yet(f: Facts, today, data, cal, rules):
    for obj in f.objections:
        if obj.state in OBJECTION_STATES:
            return {"state": obj.state}
    return None


def ground_base(f: Facts, ground: str, today: dt.date) -> tuple[dt.date | None, str]:
    """The day a Ps 35(1) ground arose, or None with the msgid of why it has not."""
    decided = f.state == "decided"
    # a back-dated decision counts from the day it was recorded
    decided_on = max(filter(None, (f.decided_date, f.recorded_date)), default=None)
    if ground == "a":
        return (decided_on, "") if decided and f.outcome in EXEMPT_OUTCOMES \
            else (None, N_("the request was not rejected under Ps 17"))
    if ground == "b":
        return f.received_date, ""
    if ground == "c":
        if decided:
            return None, N_("the request was answered")
        return (f.due_date, "") if f.due_date and today > f.due_date else \
            (None, N_("the deadline to answer has not passed yet"))
    if ground == "g":
        return (decided_on, "") if decided and f.on_time is False else \
            (None, N_("the request was not answered late"))
    return (decided_on, "") if decided else (None, N_("the request has no decision yet"))


def _grounds_arisen(f: Facts, today, data, cal, rules):
    filed = data.get("filed_date") or today
    missing = [g for g in data.get("grounds") or () if ground_base(f, g, filed)[0] is None]
    return {"grounds": ", ".join(missing)} if missing else None


def _within_objection_window(f: Facts, today, data, cal, rules):
    filed = data.get("filed_date") or today
    late = []
    for g in data.get("grounds") or ():
        base = ground_base(f, g, filed)[0]
        if base is not None and cal is not None and filed > cal.add(base, rules.objection_days):
            late.append(f"{g} ({_iso(cal.add(base, rules.objection_days))})")
    return {"grounds": ", ".join(late), "days": rules.objection_days} if late else None


def _objection(f: Facts, data) -> ObjectionFacts | None:
    return data.get("objection") or (f.objections[-1] if f.objections else None)


def _objection_date_order(f: Facts, today, data, cal, rules):
    obj, day = _objection(f, data), data.get("decided_date")
    return {"date": _iso(obj.filed_date)} if obj and day and day < obj.filed_date else None


def _objection_date_not_future(f: Facts, today, data, cal, rules):
    day = data.get("decided_date")
    return {"date": _iso(today)} if day and day > today else None


def _objection_backdate_reason(f: Facts, today, data, cal, rules):
    day = data.get("decided_date")
    return {"date": _iso(today)} if day and day < today and not data.get("decided_date_reason") \
        else None


def _not_settled(f: Facts, today, data, cal, rules):
    obj = _objection(f, data)
    return {} if obj is not None and obj.result == "musyawarah" else None


def _atasan_did_not_decide(f: Facts, today, data, cal, rules):
    return {} if data.get("actor_id") and data["actor_id"] in f.deciders else None


def _atasan_not_ppid_side(f: Facts, today, data, cal, rules):
    return {} if data.get("actor_handles") else None


def _musyawarah_grounds(f: Facts, today, data, cal, rules):
    obj = _objection(f, data)
    if data.get("result") != "musyawarah" or obj is None:
        return None
    outside = [g for g in obj.grounds if g not in MEDIATION_GROUNDS]
    return {"grounds": ", ".join(outside)} if outside else None


def _dispute_after_atasan(f: Facts, today, data, cal, rules):
    obj, filed = _objection(f, data), data.get("filed_date") or today
    if obj is None or obj.state != "filed" or filed > obj.due_date:
        return None
    return {"date": _iso(obj.due_date)}


def dispute_base(obj: ObjectionFacts, filed: dt.date) -> dt.date | None:
    if obj.state == "decided":
        # a back-dated decision counts from the day it was recorded (Ps 37(2): from receipt)
        return max(filter(None, (obj.decided_date, obj.recorded_date)))
    if obj.state == "filed" and filed > obj.due_date:
        return obj.due_date
    return None


def _within_dispute_window(f: Facts, today, data, cal, rules):
    obj, filed = _objection(f, data), data.get("filed_date") or today
    base = dispute_base(obj, filed) if obj else None
    if base is None or cal is None:
        return None
    end = cal.add(base, rules.dispute_days)
    return {"date": _iso(end), "days": rules.dispute_days} if filed > end else None


R = Rule
BEFORE_DEADLINE_EXT = R(
    "before_deadline", "days", "UU KIP Ps 22(8)",
    N_("only before the decision deadline has passed"),
    N_("days: an extension must be given before the decision deadline of %(date)s has passed "
       "(UU KIP Ps 22(8))"), _before_deadline)
ONCE_EXT = R(
    "once", "days", "UU KIP Ps 22(8)", N_("only once"),
    N_("days: the deadline may be extended only once (UU KIP Ps 22(8)); it was extended by "
       "%(days)s working days"), _not_extended)
DAYS_EXT = R(
    "at_most", "days", "UU KIP Ps 22(8)", N_("at most 7 working days, with written reasons"),
    N_("days: at most %(max)s working days (UU KIP Ps 22(8))"), _extension_days)
BEFORE_DEADLINE_ASK = R(
    "before_deadline", "note", "UU KIP Ps 22(7)",
    N_("only before the decision deadline has passed"),
    N_("note: completion may be asked only before the decision deadline of %(date)s has passed: "
       "the 10 working days run from receipt (UU KIP Ps 22(7))"), _before_deadline)
ONCE_ASK = R(
    "once", "note", "UU KIP Ps 22(7)", N_("only once"),
    N_("note: completion may be asked only once, or the 10 working days of UU KIP Ps 22(7) "
       "would never end"), _asked_once)
COMPLETION_OPEN = R(
    "in_time", "note", "Perki 1/2021 (practice)",
    N_("within the completion period (3 working days, practice)"),
    N_("note: the completion period ended on %(date)s (%(days)s working days, PPID practice, "
       "Perki 1/2021)"), _completion_open)
COMPLETION_ENDED = R(
    "ended", "completion_due", "Perki 1/2021 (practice)",
    N_("the completion period has ended"),
    N_("completion_due: the completion period has not ended (%(date)s) (Perki 1/2021)"),
    _completion_ended)
DATE_NOT_FUTURE = R(
    "not_future", "decided_date", "UU KIP Ps 22(7)", N_("decision date not after today"),
    N_("decided_date: a decision cannot be dated after today, %(date)s (UU KIP Ps 22(7))"),
    _date_not_future)
DATE_AFTER_STEP = R(
    "after_last_step", "decided_date", "UU KIP Ps 22(7)",
    N_("decision date not before the last step"),
    N_("decided_date: a decision cannot be dated before the last step of the request, "
       "%(date)s (UU KIP Ps 22(7))"), _date_after_last_step)
BACKDATE_REASON = R(
    "backdate_reason", "decided_date_reason", "UU KIP Ps 22(7)",
    N_("a date before the day recorded needs a reason; it counts as decided on the day "
       "recorded"),
    N_("decided_date_reason: a decision dated before the day it is recorded (%(date)s) needs "
       "a reason; it counts as decided on %(date)s (UU KIP Ps 22(7))"), _backdate_reason)
FEE_GIVEN = R(
    "fee_given", "cost", "UU KIP Ps 21", N_("a fee only when information is given"),
    N_("cost: a fee (Rp %(cost)s) may be charged only for copying or delivering information "
       "that is given, in full or in part (UU KIP Ps 21)"), _fee_only_when_given)
ONE_OBJECTION = R(
    "one_objection", "grounds", "UU KIP Ps 36-37",
    N_("no keberatan pending, decided or at the Komisi Informasi"),
    N_("grounds: this request already has a keberatan (%(state)s); after the Atasan PPID "
       "decides, the next step is a dispute at the Komisi Informasi (UU KIP Ps 36(2), "
       "Ps 37(1))"), _no_objection_yet)
GROUNDS_ARISEN = R(
    "grounds_arisen", "grounds", "UU KIP Ps 35(1)", N_("the ground has arisen"),
    N_("grounds: ground %(grounds)s has not arisen (UU KIP Ps 35(1))"), _grounds_arisen)
OBJECTION_WINDOW = R(
    "objection_window", "grounds", "UU KIP Ps 36(1)",
    N_("within 30 working days after the ground arose"),
    N_("grounds: the objection period of %(days)s working days (UU KIP Ps 36(1)) has ended: "
       "%(grounds)s"), _within_objection_window)
OBJ_DATE_ORDER = R(
    "after_filing", "decided_date", "UU KIP Ps 36(2)",
    N_("decision date not before the filing nor after today"),
    N_("decided_date: the Atasan's decision cannot be dated before the keberatan was filed on "
       "%(date)s (UU KIP Ps 36(2))"), _objection_date_order)
OBJ_DATE_FUTURE = R(
    "not_future", "decided_date", "UU KIP Ps 36(2)", N_("decision date not after today"),
    N_("decided_date: a decision cannot be dated after today, %(date)s (UU KIP Ps 36(2))"),
    _objection_date_not_future)
OBJ_BACKDATE_REASON = R(
    "backdate_reason", "decided_date_reason", "UU KIP Ps 36(2), 37(2)",
    N_("a date before the day recorded needs a reason; the dispute period runs from the day "
       "recorded"),
    N_("decided_date_reason: a decision dated before the day it is recorded (%(date)s) needs "
       "a reason; the dispute period runs from %(date)s (UU KIP Ps 36(2), Ps 37(2))"),
    _objection_backdate_reason)
ATASAN_NOT_DECIDER = R(
    "not_decider", "atasan", "UU KIP Ps 36(2)",
    N_("the Atasan is not the officer who decided the request"),
    N_("atasan: you decided this request; the keberatan goes to the Atasan PPID, another "
       "officer (UU KIP Ps 36(2))"), _atasan_did_not_decide)
ATASAN_NOT_SIDE = R(
    "not_ppid_side", "atasan", "UU KIP Ps 36(2)",
    N_("the Atasan is not the PPID Utama or Pelaksana of the request"),
    N_("atasan: you act as PPID Utama or PPID Pelaksana of this request, whose decision the "
       "keberatan contests; the Atasan PPID decides it (UU KIP Ps 36(2))"),
    _atasan_not_ppid_side)
MUSYAWARAH = R(
    "musyawarah_grounds", "result", "UU KIP Ps 35(2)",
    N_("musyawarah only for grounds b-g"),
    N_("result: musyawarah (settlement by agreement) is possible only for grounds b to g; "
       "this keberatan also has ground %(grounds)s (UU KIP Ps 35(2))"), _musyawarah_grounds)
DISPUTE_AFTER = R(
    "after_atasan", "filed_date", "UU KIP Ps 37(2)",
    N_("after the Atasan's decision or after its 30 working days lapsed"),
    N_("filed_date: a dispute may be filed only after the Atasan's decision or after its "
       "period ends on %(date)s (UU KIP Ps 37(2))"), _dispute_after_atasan)
NOT_SETTLED = R(
    "not_settled", "filed_date", "UU KIP Ps 35(2), 37(1)",
    N_("not after a settlement by musyawarah"),
    N_("filed_date: this keberatan was settled by agreement (musyawarah, UU KIP Ps 35(2)); a "
       "dispute is for a requester not satisfied with the Atasan's answer (Ps 37(1))"),
    _not_settled)
DISPUTE_WINDOW = R(
    "dispute_window", "filed_date", "UU KIP Ps 37(2)", N_("within 14 working days"),
    N_("filed_date: the dispute period of %(days)s working days (UU KIP Ps 37(2)) ended on "
       "%(date)s"), _within_dispute_window)

OFFICERS = ("pelaksana", "utama")

STEPS: dict[str, Step] = {s.name: s for s in (
    Step("register", "ppid_request_create", "request", ("requester", "pelaksana", "utama"),
         ("new",), "received", (),
         (("decision", N_("set: 10 working days from receipt (UU KIP Ps 22(7))")),),
         "UU KIP Ps 22(1)-(4)"),
    Step("route", "ppid_request_route", "request", ("utama",),
         ("received", "processing", "incomplete"), "processing", (),
         (("decision", N_("unchanged")),), "Perki 1/2021"),
    Step("ask_completion", "ppid_request_ask_completion", "request", OFFICERS, OPEN_STATES,
         "incomplete", (BEFORE_DEADLINE_ASK, ONCE_ASK),
         (("completion", N_("set: 3 working days (practice)")),
          ("decision", N_("waits for the completion"))), "UU KIP Ps 22(7)"),
    Step("complete", "ppid_request_complete", "request", ("requester",) + OFFICERS,
         ("incomplete",), "processing", (COMPLETION_OPEN,),
         (("decision", N_("10 working days (plus an extension) from the completion when "
                          "completion_restarts_clock (practice), else from receipt")),),
         "Perki 1/2021"),
    Step("extend", "ppid_request_extend", "request", OFFICERS, OPEN_STATES, None,
         (BEFORE_DEADLINE_EXT, ONCE_EXT, DAYS_EXT),
         (("decision", N_("moved once by 1-7 working days (UU KIP Ps 22(8))")),),
         "UU KIP Ps 22(8)"),
    Step("decide", "ppid_request_decide", "request", OFFICERS, OPEN_STATES, "decided",
         (DATE_NOT_FUTURE, DATE_AFTER_STEP, BACKDATE_REASON, FEE_GIVEN),
         (("decision", N_("closed; on time if recorded by the deadline")),
          ("keberatan", N_("opens: 30 working days from the decision (UU KIP Ps 36(1))"))),
         "UU KIP Ps 22(7)"),
    Step("lapse", "ppid_remind", "request", ("system",), ("incomplete",), "lapsed",
         (COMPLETION_ENDED,), (("decision", N_("closed")),), "Perki 1/2021"),
    Step("objection", "ppid_objection_create", "request", ("requester",) + OFFICERS,
         ("received", "incomplete", "processing", "decided", "lapsed"), "filed",
         (ONE_OBJECTION, GROUNDS_ARISEN, OBJECTION_WINDOW),
         (("atasan", N_("set: 30 working days from filing (UU KIP Ps 36(2))")),),
         "UU KIP Ps 35(1), 36(1)"),
    Step("objection_decide", "ppid_objection_decide", "objection", ("atasan",), ("filed",),
         "decided",
         (OBJ_DATE_FUTURE, OBJ_DATE_ORDER, OBJ_BACKDATE_REASON, ATASAN_NOT_DECIDER,
          ATASAN_NOT_SIDE, MUSYAWARAH),
         (("dispute", N_("set: 14 working days from the day the decision is recorded "
                         "(UU KIP Ps 37(2))")),),
         "UU KIP Ps 36(2)"),
    Step("dispute", "ppid_dispute_create", "objection", ("utama", "atasan"),
         ("filed", "decided"), "dispute", (DISPUTE_AFTER, NOT_SETTLED, DISPUTE_WINDOW),
         (("dispute", N_("fixed: 14 working days from the Atasan's decision or its lapse")),),
         "UU KIP Ps 37(2)"),
)}


def states_of(step: Step) -> tuple[str, ...]:
    return REQUEST_STATES if step.subject == "request" else OBJECTION_STATES


# Checks ----------------------------------------------------------------------------------------

def may(event: str, roles: Iterable[str]) -> bool:
    """Whether one of ``roles`` (the table's names or lib.role_of's) may fire ``event``."""
    allowed = STEPS[event].roles
    return any(ROLE_NAMES.get(r, r) in allowed for r in roles if r)


def check(facts: Facts, event: str, role: str | None, today: dt.date, cal=None,
          rules: Rules = Rules(), **data) -> list[Refusal]:
    """The refusals (role, state, then each precondition with its article); [] = allowed.

    ``data`` holds the step's parsed fields (days, decided_date, decided_date_reason, outcome,
    cost, grounds, filed_date, result, objection, actor_id, actor_handles)."""
    step = STEPS[event]
    refusals: list[Refusal] = []
    if role is not None and ROLE_NAMES.get(role, role) not in step.roles:
        refusals.append(Refusal("role", N_("%(role)s may not fire this step (%(article)s)"),
                                {"role": role, "article": step.article}, step.article))
        return refusals
    state = facts.state
    if step.subject == "objection":
        obj = _objection(facts, data)
        state = obj.state if obj else None
    if state not in step.from_states:
        refusals.append(Refusal("state", N_("This step is not possible in the stage "
                                            "\"%(state)s\" (%(article)s)"),
                                {"state": state, "article": step.article}, step.article))
        return refusals
    for rule in step.rules:
        params = rule.test(facts, today, data, cal, rules)
        if params is not None:
            refusals.append(Refusal(rule.field, rule.message, params, rule.article))
    return refusals


# Each deadline's formula, used by ``apply`` and by the recount after a calendar change ----------

def decision_due(cal, rules: Rules, clock_start: dt.date, extension_days: int | None) -> dt.date:
    return cal.add(clock_start, rules.decision_days + (extension_days or 0))


def completion_due(cal, rules: Rules, asked: dt.date) -> dt.date:
    return cal.add(asked, rules.completion_days)


def objection_due(cal, rules: Rules, filed: dt.date) -> dt.date:
    return cal.add(filed, rules.objection_decision_days)


def dispute_due(cal, rules: Rules, base: dt.date) -> dt.date:
    return cal.add(base, rules.dispute_days)


def apply(facts: Facts, event: str, today: dt.date, cal, rules: Rules = Rules(),
          **data) -> dict[str, Any]:
    """The changes ``event`` makes to the request (or, for objection steps, the objection):
    its state and its deadlines, by the law's rules. Assumes ``check`` found nothing."""
    changes: dict[str, Any] = {}
    if event == "register":
        received = data["received_date"]
        changes.update(state="processing" if data.get("opd") else "received",
                       received_date=received, clock_start=received,
                       due_date=decision_due(cal, rules, received, None))
    elif event == "route":
        if facts.state == "received":
            changes["state"] = "processing"
    elif event == "ask_completion":
        changes.update(state="incomplete", completion_due=completion_due(cal, rules, today))
    elif event == "complete":
        start = today if rules.completion_restarts_clock else facts.clock_start
        changes.update(state="processing" if data.get("opd") else "received", clock_start=start,
                       due_date=decision_due(cal, rules, start, facts.extension_days))
    elif event == "extend":
        changes.update(extension_days=data["days"],
                       due_date=decision_due(cal, rules, facts.clock_start, data["days"]))
    elif event == "decide":
        # the day recorded counts, whatever date the letter bears (never earlier: see check)
        changes.update(state="decided", decided_date=data.get("decided_date") or today,
                       recorded_date=today, on_time=today <= facts.due_date,
                       working_days_taken=cal.between(facts.received_date, today),
                       outcome=data.get("outcome"), cost=data.get("cost") or 0)
    elif event == "lapse":
        changes["state"] = "lapsed"
    elif event == "objection":
        filed = data.get("filed_date") or today
        changes.update(state="filed", filed_date=filed,
                       due_date=objection_due(cal, rules, filed))
    elif event == "objection_decide":
        # the window runs from the day recorded, whatever date the letter bears
        changes.update(state="decided", decided_date=data.get("decided_date") or today,
                       recorded_date=today, result=data.get("result"),
                       dispute_due=dispute_due(cal, rules, today))
    elif event == "dispute":
        obj = _objection(facts, data)
        filed = data.get("filed_date") or today
        base = dispute_base(obj, filed)
        changes.update(state="dispute", dispute_filed_date=filed,
                       dispute_due=obj.dispute_due or dispute_due(cal, rules, base))
    return changes


def fire(facts: Facts, event: str, role: str, today: dt.date, cal, rules: Rules = Rules(),
         **data) -> list[Refusal]:
    """Check, then apply to ``facts`` in place (the pure model the property test drives)."""
    refusals = check(facts, event, role, today, cal, rules, **data)
    if refusals:
        return refusals
    changes = apply(facts, event, today, cal, rules, **data)
    if STEPS[event].subject == "objection" or event == "objection":
        obj = _objection(facts, data) if event != "objection" else None
        if obj is None:
            obj = ObjectionFacts(state="filed", filed_date=changes["filed_date"],
                                 due_date=changes["due_date"],
                                 grounds=tuple(data.get("grounds") or ()))
            facts.objections.append(obj)
        else:
            for key, value in changes.items():
                setattr(obj, key, value)
    else:
        for key, value in changes.items():
            setattr(facts, key, value)
        if event == "ask_completion":
            facts.completion_asked += 1
        if event == "decide" and data.get("actor_id"):
            facts.deciders = facts.deciders | {data["actor_id"]}
    facts.last_step = max(filter(None, (facts.last_step, today)))
    return []


# The docs table --------------------------------------------------------------------------------

def markdown() -> str:
    """The table of docs/ppid.md, between its markers."""
    role_names = {"requester": "Requester", "pelaksana": "PPID Pelaksana (of the OPD)",
                  "utama": "PPID Utama", "atasan": "Atasan PPID", "system": "system (daily job)"}
    lines = ["| event | action | who | from → to | preconditions (article) | deadlines |",
             "|---|---|---|---|---|---|"]
    for step in STEPS.values():
        pre = "; ".join(f"{r.summary} ({r.article})" for r in step.rules) or "—"
        deadlines = "; ".join(f"{name}: {effect}" for name, effect in step.deadlines)
        who = ", ".join(role_names[r] for r in step.roles)
        to = step.to_state or "(same)"
        lines.append(f"| `{step.name}` ({step.article}) | `{step.action}` | {who} | "
                     f"{', '.join(step.from_states)} → {to} | {pre} | {deadlines} |")
    lines.append("")
    lines.append(f"{len(REQUEST_STATES)} request states ({', '.join(REQUEST_STATES)}), "
                 f"{len(OBJECTION_STATES)} keberatan states ({', '.join(OBJECTION_STATES)}), "
                 f"{len(STEPS)} events, {len(ROLES)} roles. Keberatan results: "
                 f"{', '.join(OBJECTION_RESULTS)} (musyawarah for grounds b-g, UU KIP Ps 35(2)).")
    return "\n".join(lines) + "\n"


BEGIN = "<!-- workflow table: generated by python -m ckanext.tangerang.ppid.workflow --markdown -->"
END = "<!-- end of the workflow table -->"


def main(argv: list[str]) -> int:
    if "--markdown" in argv:
        sys.stdout.write(markdown())
        return 0
    print("usage: python -m ckanext.tangerang.ppid.workflow --markdown", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
