"""The workflow table (ppid/workflow.py): every (state, event, role) against the table, the
docs' copy of it, and random event sequences checked against the law's invariants. Pure: no
database, the real working-day calendar (2026 and 2027 Lebaran included)."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pathlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.tangerang.ppid import clock, workflow
from ckanext.tangerang.ppid.workflow import Facts, ObjectionFacts

D = dt.date
CAL = clock.Calendar()
RULES = workflow.Rules()
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "ppid.md"


def test_docs_table_is_the_generated_one():
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(workflow.BEGIN) + len(workflow.BEGIN)
    end = text.index(workflow.END)
    assert text[start:end].strip() == workflow.markdown().strip(), \
        "run: python -m ckanext.tangerang.ppid.workflow --markdown and paste it into docs/ppid.md"


def test_every_precondition_names_an_article_and_its_field():
    for step in workflow.STEPS.values():
        assert step.roles and set(step.roles) <= set(workflow.ROLES)
        for rule in step.rules:
            assert "Ps" in rule.article or "Perki" in rule.article
            assert rule.message.startswith(rule.field + ":"), rule.code
            assert "Ps" in rule.message or "Perki" in rule.message, rule.code


# Walk every (state, event, role) --------------------------------------------------------------

RECEIVED = D(2026, 3, 17)   # due 8 April 2026 (Idul Fitri and cuti bersama off)
TODAY = D(2026, 3, 24)


def _favourable(step: workflow.Step, state: str) -> tuple[Facts, dt.date, dict]:
    """Facts in ``state`` where every precondition of ``step`` holds."""
    facts = Facts(state=state, received_date=RECEIVED, clock_start=RECEIVED,
                  due_date=CAL.add(RECEIVED, 10), last_step=RECEIVED)
    today, data = TODAY, {}
    if step.name == "complete":
        facts.completion_due = CAL.add(TODAY, 3)
    if step.name == "lapse":
        facts.completion_due = D(2026, 3, 20)
    if step.name == "decide":
        data = {"decided_date": TODAY, "outcome": "granted", "cost": 5000}
    if step.name == "extend":
        data = {"days": 7}
    if step.name == "objection":
        data = {"grounds": ["b"], "filed_date": TODAY}
    if step.subject == "objection":
        facts.state, facts.outcome = "decided", "granted"
        facts.decided_date = facts.recorded_date = D(2026, 3, 23)
        obj = ObjectionFacts(state=state, filed_date=TODAY, due_date=CAL.add(TODAY, 30),
                             grounds=("d",), decided_date=D(2026, 3, 30))
        facts.objections = [obj]
        today = D(2026, 3, 31)
        if step.name == "objection_decide":
            data = {"decided_date": today, "result": "musyawarah", "actor_id": "atasan"}
        if step.name == "dispute" and state == "filed":
            today = CAL.add(obj.due_date, 1)   # the Atasan's 30 working days lapsed
        data["filed_date"] = today if step.name == "dispute" else None
    return facts, today, data


WALK = [(step.name, state, role) for step in workflow.STEPS.values()
        for state in workflow.states_of(step) for role in workflow.ROLES]


@pytest.mark.parametrize("event,state,role", WALK)
def test_walk_every_state_event_and_role(event, state, role):
    step = workflow.STEPS[event]
    facts, today, data = _favourable(step, state)
    refusals = workflow.check(facts, event, role, today, CAL, RULES, **data)
    allowed = role in step.roles and state in step.from_states
    assert (not refusals) == allowed, [r.text() for r in refusals]
    if not allowed:
        assert refusals[0].field == ("role" if role not in step.roles else "state")
        assert step.article in refusals[0].text()


def test_auth_roles_come_from_the_table():
    assert workflow.may("decide", {"ppid_pelaksana"}) and workflow.may("decide", {"utama"})
    assert not workflow.may("decide", {"atasan"})
    assert workflow.may("objection_decide", {"atasan"})
    assert not workflow.may("objection_decide", {"utama", "pelaksana"})
    assert workflow.may("route", {"ppid_utama"}) and not workflow.may("route", {"pelaksana"})


# The defects of issue 13, on the pure table -----------------------------------------------------

def _open(**extra) -> Facts:
    facts = Facts(state="processing", received_date=RECEIVED, clock_start=RECEIVED,
                  due_date=D(2026, 4, 8), last_step=RECEIVED)
    return dataclasses.replace(facts, **extra)


def _fields(refusals):
    return {r.field: r.text() for r in refusals}


def test_extension_after_the_deadline_is_refused():
    refused = workflow.check(_open(), "extend", "pelaksana", D(2026, 4, 9), CAL, RULES, days=3)
    assert "22(8)" in _fields(refused)["days"] and "2026-04-08" in _fields(refused)["days"]
    assert not workflow.check(_open(), "extend", "pelaksana", D(2026, 4, 8), CAL, RULES, days=3)


def test_completion_only_before_the_deadline_and_once():
    late = workflow.check(_open(), "ask_completion", "utama", D(2026, 4, 9), CAL, RULES)
    assert "22(7)" in _fields(late)["note"]
    again = workflow.check(_open(completion_asked=1), "ask_completion", "utama",
                           D(2026, 3, 20), CAL, RULES)
    assert "once" in _fields(again)["note"]


def test_backdated_decision_needs_a_reason_and_counts_on_the_day_recorded():
    facts = _open(last_step=D(2026, 3, 25))
    today = D(2026, 4, 20)  # 8 April was the deadline
    before_step = workflow.check(facts, "decide", "utama", today, CAL, RULES,
                                 decided_date=D(2026, 3, 24), outcome="granted")
    assert "2026-03-25" in _fields(before_step)["decided_date"]
    no_reason = workflow.check(facts, "decide", "utama", today, CAL, RULES,
                               decided_date=D(2026, 4, 1), outcome="granted")
    assert "decided_date_reason" in _fields(no_reason)
    future = workflow.check(facts, "decide", "utama", today, CAL, RULES,
                            decided_date=D(2026, 4, 21), outcome="granted")
    assert "decided_date" in _fields(future)
    assert not workflow.fire(facts, "decide", "utama", today, CAL, RULES,
                             decided_date=D(2026, 4, 1), decided_date_reason="surat 1 April",
                             outcome="granted")
    assert facts.decided_date == D(2026, 4, 1) and facts.on_time is False
    assert facts.working_days_taken == CAL.between(RECEIVED, today)
    # ground g: answered late, counted from the day recorded
    assert workflow.ground_base(facts, "g", D(2026, 4, 21))[0] == today


def test_fee_only_on_information_given():
    for outcome in ("rejected", "not_held", "not_documented"):
        refused = workflow.check(_open(), "decide", "utama", D(2026, 3, 24), CAL, RULES,
                                 outcome=outcome, cost=10000)
        assert "Ps 21" in _fields(refused)["cost"]
    assert not workflow.check(_open(), "decide", "utama", D(2026, 3, 24), CAL, RULES,
                              outcome="partly", cost=10000)


def test_no_keberatan_after_one_was_decided_or_at_the_commission():
    for state in ("filed", "decided", "dispute"):
        facts = _open(objections=[ObjectionFacts(state=state, filed_date=D(2026, 3, 20),
                                                 due_date=D(2026, 5, 8), grounds=("b",))])
        refused = workflow.check(facts, "objection", "requester", D(2026, 3, 24), CAL, RULES,
                                 grounds=["b"])
        assert "Ps 36" in _fields(refused)["grounds"]


def test_the_atasan_never_decides_its_own_request_and_musyawarah_only_b_to_g():
    facts = _open(state="decided", deciders=frozenset({"u1"}), objections=[
        ObjectionFacts(state="filed", filed_date=D(2026, 4, 13), due_date=D(2026, 5, 26),
                       grounds=("a", "d"))])
    refused = _fields(workflow.check(facts, "objection_decide", "atasan", D(2026, 4, 20), CAL,
                                     RULES, actor_id="u1", actor_handles=True,
                                     result="musyawarah"))
    assert "36(2)" in refused["atasan"] and "35(2)" in refused["result"]


def _decided_keberatan(**kw) -> Facts:
    obj = ObjectionFacts(state="filed", filed_date=D(2026, 4, 13), due_date=D(2026, 5, 26),
                         grounds=("d",))
    for key, value in kw.items():
        setattr(obj, key, value)
    return _open(state="decided", objections=[obj])


def test_a_backdated_atasan_decision_needs_a_reason_and_the_dispute_period_runs_from_recording():
    # recorded Monday 4 May 2026, dated 20 April: without a reason refused
    facts = _decided_keberatan()
    refused = _fields(workflow.check(facts, "objection_decide", "atasan", D(2026, 5, 4), CAL,
                                     RULES, decided_date=D(2026, 4, 20), result="rejected"))
    assert "37(2)" in refused["decided_date_reason"]
    assert not workflow.fire(facts, "objection_decide", "atasan", D(2026, 5, 4), CAL, RULES,
                             decided_date=D(2026, 4, 20), decided_date_reason="surat 20/4",
                             result="rejected")
    obj = facts.objections[0]
    assert obj.decided_date == D(2026, 4, 20) and obj.recorded_date == D(2026, 5, 4)
    # 14 working days from 4 May 2026: 14 May (Ascension), 15 May (cuti bersama) and
    # 27 May (Idul Adha) are off
    assert obj.dispute_due == CAL.add(D(2026, 5, 4), 14) > CAL.add(D(2026, 4, 20), 14)
    # a dispute on the 13th working day after the letter's date but within 14 of recording
    late_by_letter = CAL.add(D(2026, 4, 20), 15)
    assert not workflow.check(facts, "dispute", "utama", late_by_letter, CAL, RULES,
                              filed_date=late_by_letter)


def test_no_dispute_after_a_settlement_by_musyawarah():
    facts = _decided_keberatan()
    assert not workflow.fire(facts, "objection_decide", "atasan", D(2026, 4, 20), CAL, RULES,
                             result="musyawarah")
    refused = _fields(workflow.check(facts, "dispute", "utama", D(2026, 4, 22), CAL, RULES,
                                     filed_date=D(2026, 4, 22)))
    assert "35(2)" in refused["filed_date"] and "37(1)" in refused["filed_date"]
    rejected = _decided_keberatan()
    assert not workflow.fire(rejected, "objection_decide", "atasan", D(2026, 4, 20), CAL, RULES,
                             result="rejected")
    assert not workflow.check(rejected, "dispute", "utama", D(2026, 4, 22), CAL, RULES,
                              filed_date=D(2026, 4, 22))


def test_completion_restarts_but_working_days_count_from_receipt():
    facts = _open()
    assert not workflow.fire(facts, "ask_completion", "utama", D(2026, 3, 18), CAL, RULES)
    assert not workflow.fire(facts, "complete", "requester", D(2026, 3, 19), CAL, RULES)
    assert facts.clock_start == D(2026, 3, 19) and facts.due_date == CAL.add(D(2026, 3, 19), 10)
    assert not workflow.fire(facts, "decide", "utama", D(2026, 4, 2), CAL, RULES,
                             outcome="granted")
    assert facts.working_days_taken == CAL.between(RECEIVED, D(2026, 4, 2))


# Random sequences of events ---------------------------------------------------------------------

EVENTS = [name for name in workflow.STEPS if name != "register"]

event_st = st.tuples(
    st.sampled_from(EVENTS), st.sampled_from(workflow.ROLES),
    st.integers(0, 12),                         # calendar days since the last event
    st.integers(1, 9),                          # extension days
    st.integers(0, 15),                         # decision dated this many days before today
    st.booleans(),                              # a reason for that date
    st.sampled_from(("granted", "partly", "rejected", "not_held", "not_documented")),
    st.sampled_from((0, 0, 5000)),              # cost
    st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=3, unique=True),
    st.sampled_from(workflow.OBJECTION_RESULTS),
    st.sampled_from(("u1", "u2")),              # the acting officer
    st.booleans(),                              # the actor is also the PPID side
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.dates(D(2026, 1, 5), D(2027, 12, 20)), restart=st.booleans(),
       events=st.lists(event_st, max_size=25))
def test_random_sequences_keep_the_law(start, restart, events):
    rules = dataclasses.replace(RULES, completion_restarts_clock=restart)
    facts = Facts(state="new")
    for key, value in workflow.apply(facts, "register", start, CAL, rules,
                                     received_date=start).items():
        setattr(facts, key, value)
    facts.last_step = start
    today = start
    for (event, role, gap, days, back, reason, outcome, cost, grounds, result, actor,
         handles) in events:
        today += dt.timedelta(days=gap)
        data = dict(days=days, decided_date=today - dt.timedelta(days=back),
                    decided_date_reason="surat" if reason else None, outcome=outcome,
                    cost=cost, grounds=grounds, filed_date=today, result=result,
                    actor_id=actor, actor_handles=handles)
        if event in ("objection_decide", "dispute"):
            data["decided_date"] = today - dt.timedelta(days=min(back, 3))
        before = copy.deepcopy(facts)
        refused = workflow.fire(facts, event, role, today, CAL, rules, **data)
        if refused:
            assert facts == before, "a refused step changed nothing"
            assert all(r.article for r in refused)
            continue
        assert role in workflow.STEPS[event].roles
        # a deadline moves only by the law's rules
        if facts.due_date != before.due_date:
            assert event in ("extend", "complete")
            if event == "extend":
                assert facts.due_date == CAL.add(before.clock_start, 10 + days)
            else:
                assert facts.due_date == CAL.add(facts.clock_start,
                                                 10 + (facts.extension_days or 0))
                assert facts.clock_start == (today if restart else before.clock_start)
        if event == "extend":   # once, only before the deadline, at most 7 days
            assert before.extension_days is None and today <= before.due_date and days <= 7
        if event == "ask_completion":
            assert before.completion_asked == 0 and today <= before.due_date
        if event == "decide":
            assert before.last_step <= facts.decided_date <= today
            assert facts.decided_date == today or reason
            assert facts.recorded_date == today and facts.on_time == (today <= before.due_date)
            assert facts.working_days_taken == CAL.between(before.received_date, today)
            assert not cost or outcome in workflow.GIVEN_OUTCOMES   # Ps 21
        if event == "objection":
            assert not before.objections   # no keberatan after one pending or decided
        if event == "objection_decide":
            assert actor not in facts.deciders and not handles
            obj = facts.objections[-1]
            assert obj.filed_date <= obj.decided_date <= today
            assert obj.decided_date == today or reason
            assert obj.recorded_date == today and obj.dispute_due == CAL.add(today, 14)
            assert result != "musyawarah" or set(obj.grounds) <= set("bcdefg")
        if event == "dispute":
            assert before.objections[-1].result != "musyawarah"
        assert facts.extension_days in (None, *range(1, 8))
        assert facts.completion_asked <= 1 and len(facts.objections) <= 1
        assert facts.cost == 0 or facts.outcome in workflow.GIVEN_OUTCOMES
