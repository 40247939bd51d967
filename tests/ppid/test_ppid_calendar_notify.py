"""Issue 13, items 3, 6 and the easy-read part of 7: service hours, holiday overrides that move
open deadlines, notifications and reminders in the requester's language, with real dates of
the Indonesian calendar (package holidays: Idul Fitri 2026 on 20-24 March with Nyepi and cuti
bersama; 2027 on 8-15 March) and mails read from a real SMTP server."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.tangerang.ppid import lib
from ckanext.tangerang.ppid.clock import Calendar, ServiceHours
from ckanext.tangerang.ppid.logic.action.common import note_text
from ckanext.tangerang.ppid.model import Objection, Request

from ppid_testlib import NIK, PERSONAL, act, request_data

D = dt.date
OPTION = "ckanext.tangerang.ppid.outside_hours_next_working_day"


@pytest.fixture
def clock(monkeypatch):
    """clock(2026, 11, 29, 10) sets the portal's now (Asia/Jakarta)."""
    def set_now(*parts):
        moment = dt.datetime(*parts, tzinfo=lib.timezone())
        monkeypatch.setattr(lib, "now", lambda: moment)
        return moment
    return set_now


def _file(**extra):
    return act("ppid_request_create", None, **request_data(**extra))


def _holiday(day, name="Cuti bersama (SKB 3 Menteri, perubahan)", working=False):
    return act("ppid_holiday_create", "utama", date=day, name=name, working=working)


# 1. Service hours -------------------------------------------------------------------------

def test_service_hours_of_the_profile():
    hours = ServiceHours.from_profile({"days": ["monday", "tuesday", "wednesday", "thursday",
                                                "friday"], "open": "08:00", "close": "16:00"})
    cal = Calendar()
    sunday = dt.datetime(2026, 11, 29, 10, 0)
    assert hours.receipt(cal, sunday) == D(2026, 11, 30)
    assert hours.receipt(cal, dt.datetime(2026, 11, 27, 16, 30)) == D(2026, 11, 30)  # Fri late
    assert hours.receipt(cal, dt.datetime(2026, 11, 30, 7, 0)) == D(2026, 11, 30)  # before 8:00
    assert hours.receipt(cal, dt.datetime(2026, 11, 30, 15, 59)) == D(2026, 11, 30)
    # Thursday 19 March 2026 is Nyepi, then cuti bersama and Idul Fitri: Wednesday 25 March
    assert hours.receipt(cal, dt.datetime(2026, 3, 19, 10, 0)) == D(2026, 3, 25)
    assert cal.add(D(2026, 11, 30), 10) == D(2026, 12, 14)


def test_the_shipped_profile_serves_monday_to_friday_8_to_16(people):
    hours = lib.service_hours()
    assert hours.days == frozenset(range(5))
    assert (hours.opens, hours.closes) == (dt.time(8), dt.time(16))


@pytest.mark.service_hours
@pytest.mark.usefixtures("with_request_context")
def test_request_sent_on_sunday_is_received_monday_and_due_14_december(people, clock):
    clock(2026, 11, 29, 10, 0)  # Sunday
    result = _file()
    assert (result["received_date"], result["due_date"]) == ("2026-11-30", "2026-12-14")
    mail = people.smtp.to(PERSONAL["email"])[-1]
    # dates as Indonesian readers write them (Babel's id format), not ISO
    assert "29 November 2026" in mail.body and "30 November 2026" in mail.body \
        and "14 Desember 2026" in mail.body
    assert "08:00-16:00" in mail.body


@pytest.mark.service_hours
@pytest.mark.usefixtures("with_request_context")
def test_officer_registering_a_sunday_letter_counts_it_from_monday(people, clock):
    clock(2026, 11, 30, 9, 0)
    result = act("ppid_request_create", "utama", **request_data(
        channel="letter", received_date="2026-11-29", identity_upload=None))
    assert (result["received_date"], result["due_date"]) == ("2026-11-30", "2026-12-14")


@pytest.mark.usefixtures("with_request_context")
def test_rule_off_counts_the_calendar_day(people, clock, ckan_config):
    ckan_config[OPTION] = False
    clock(2026, 11, 29, 10, 0)
    result = _file()
    # counted from Sunday, Monday 30 November is already day 1
    assert (result["received_date"], result["due_date"]) == ("2026-11-29", "2026-12-11")


# 2. Holiday overrides move open deadlines ------------------------------------------------

@pytest.mark.usefixtures("with_request_context")
def test_lebaran_2026_new_cuti_bersama_moves_open_decision_and_back(people, clock):
    clock(2026, 3, 16, 10, 0)
    english = _file(language="en")
    indonesian = _file(information="Anggaran dinas kesehatan 2025", purpose="Kajian",
                       nik="3671015507880002", email="budi.pemohon@example.org")
    assert english["due_date"] == "2026-04-07"  # Nyepi, Lebaran, cuti bersama, Good Friday
    clock(2026, 3, 17, 9, 0)
    decided = _file(information="Data sekolah", purpose="Tugas", nik="3671015507880003",
                    email="decided@example.org")
    req = Request.get(decided["number"])
    act("ppid_request_decide", "utama", id=req.id, outcome="granted", reasons="Tersedia",
        given="Tabel")
    before = {m.subject for m in people.smtp.messages}

    # a changed decree adds Wednesday 25 March 2026 as cuti bersama
    assert _holiday("2026-03-25")["moved"] == 2
    for number in (english["number"], indonesian["number"]):
        req = Request.get(number)
        assert req.due_date == D(2026, 4, 8)
        assert req.events[-1].action == "calendar"
        # the note on the request, as the officer reads it (Indonesian page)
        note = note_text(req.events[-1].note, req.events[-1].action)
        assert "7 April 2026" in note and "8 April 2026" in note
    assert Request.get(decided["number"]).due_date == D(2026, 4, 8)  # decided: untouched
    en_mail = people.smtp.to(PERSONAL["email"])[-1]
    assert en_mail.subject.endswith("New deadline for your request")
    assert "now April 8, 2026 (was April 7, 2026)" in en_mail.body
    assert "March 25, 2026 is now a day off" in en_mail.body
    id_mail = people.smtp.to("budi.pemohon@example.org")[-1]
    assert id_mail.subject.endswith("Tenggat baru untuk permohonan Anda")
    assert "8 April 2026" in id_mail.body
    assert not people.smtp.to("decided@example.org") or \
        all(m.subject in before for m in people.smtp.to("decided@example.org"))

    # removed again: back to 7 April, recorded and mailed again
    assert act("ppid_holiday_delete", "utama", date="2026-03-25")["moved"] == 2
    assert Request.get(english["number"]).due_date == D(2026, 4, 7)
    assert "now April 7, 2026 (was April 8, 2026)" in people.smtp.to(PERSONAL["email"])[-1].body
    tracked = act("ppid_request_track", None, token=english["tracking_token"])
    assert [e["action"] for e in tracked["events"]].count("calendar") == 2


@pytest.mark.usefixtures("with_request_context")
def test_lebaran_2027_extra_cuti_bersama_moves_request_completion_and_objection(people, clock):
    clock(2027, 3, 1, 10, 0)
    objected = _file(language="en")
    assert objected["due_date"] == "2027-03-23"  # Nyepi and Idul Fitri 8-15 March 2027
    obj = act("ppid_objection_create", None, token=objected["tracking_token"], grounds=["b"],
              reasons="Informasi berkala belum diumumkan")
    assert obj["due_date"] == "2027-04-22"
    incomplete = _file(information="Data posyandu", purpose="Kajian", nik="3671015507880004",
                       email="lengkapi@example.org")
    act("ppid_request_ask_completion", "utama", id=Request.get(incomplete["number"]).id,
        note="Lampirkan surat kuasa")
    assert Request.get(incomplete["number"]).completion_due == D(2027, 3, 4)
    # events carry the real time: date this step at the scenario's moment (1 March 2027)
    from ckan import model
    asked = [e for e in Request.get(incomplete["number"]).events
             if e.action == "ask_completion"][-1]
    asked.created = dt.datetime(2027, 3, 1, 3, 0)
    model.Session.commit()

    _holiday("2027-03-03")  # a day off declared on Wednesday 3 March 2027
    assert Request.get(incomplete["number"]).completion_due == D(2027, 3, 5)
    _holiday("2027-03-16")  # the day after the Lebaran cuti bersama, added by a new decree
    req = Request.get(objected["number"])
    # 3 and 16 March off, and Good Friday 26 March 2027 with its cuti bersama on the 25th
    assert req.due_date == D(2027, 3, 29)
    objection = Objection.__table__
    due = model.Session.execute(objection.select().where(objection.c.number == obj["number"])) \
        .mappings().one()["due_date"]
    assert due == D(2027, 4, 26)
    bodies = [m.body for m in people.smtp.to(PERSONAL["email"])]
    assert any("Decision on the objection due" in b and "April 26, 2027" in b for b in bodies)
    # the Indonesian requester reads it in Indonesian
    moved = [m for m in people.smtp.to("lengkapi@example.org") if "Tenggat baru" in m.subject]
    assert moved and "5 Maret 2027" in moved[0].body


# 3. Notifications --------------------------------------------------------------------------

@pytest.mark.usefixtures("with_request_context")
def test_new_request_mails_utama_then_the_pelaksana_once_routed(people, clock):
    clock(2026, 11, 30, 9, 0)
    result = _file()
    utama = people.smtp.to("utama@tangerangkota.go.id")
    assert len(utama) == 1 and result["number"] in utama[0].subject
    assert "Permohonan informasi publik baru" in utama[0].subject
    assert "14 Desember 2026" in utama[0].body
    for secret in (PERSONAL["name"], NIK, PERSONAL["address"], PERSONAL["email"]):
        assert secret not in utama[0].body
    assert people.smtp.to("dinkes_officer@tangerangkota.go.id") == []
    act("ppid_request_route", "utama", id=Request.get(result["number"]).id, opd="dinkes")
    routed = people.smtp.to("dinkes_officer@tangerangkota.go.id")
    assert len(routed) == 1 and result["number"] in routed[0].body
    assert people.smtp.to("dindik_officer@tangerangkota.go.id") == []


@pytest.mark.usefixtures("with_request_context")
def test_keberatan_mails_the_atasan(people, clock):
    clock(2026, 11, 30, 9, 0)
    result = _file()
    obj = act("ppid_objection_create", None, token=result["tracking_token"], grounds=["b"],
              reasons="Informasi berkala tidak diumumkan")
    atasan = people.smtp.to("sekda@tangerangkota.go.id")
    assert len(atasan) == 1 and obj["number"] in atasan[0].subject


@pytest.mark.usefixtures("with_request_context")
def test_reminders_3_and_1_working_days_before_once_each(people, clock):
    clock(2026, 3, 16, 10, 0)
    result = _file()
    assert result["due_date"] == "2026-04-07"
    utama = "utama@tangerangkota.go.id"
    site = {"user": "utama"}

    def remind(*moment):
        clock(*moment)
        return act("ppid_remind", site["user"])

    def reminders():
        return [m for m in people.smtp.to(utama) if "Pengingat" in m.subject]

    assert remind(2026, 3, 31, 7, 0)["reminded"] == 0  # 4 working days left
    assert remind(2026, 4, 1, 7, 0)["reminded"] == 1  # 2, 6, 7 April: 3 left
    assert remind(2026, 4, 1, 15, 0)["reminded"] == 0  # twice a day: once
    assert len(reminders()) == 1 and "3 hari kerja" in reminders()[0].body
    assert remind(2026, 4, 2, 7, 0)["reminded"] == 0  # Good Friday 3 April: 2 left
    assert remind(2026, 4, 6, 7, 0)["reminded"] == 1  # 1 left
    assert remind(2026, 4, 6, 19, 0)["reminded"] == 0
    assert remind(2026, 4, 7, 7, 0)["reminded"] == 0  # the day itself: already reminded
    assert remind(2026, 4, 8, 7, 0) == {"reminded": 1, "overdue": 1, "lapsed": 0,
                                        "objections": 0, "completion": 0, "copies": 0}
    assert remind(2026, 4, 9, 7, 0)["reminded"] == 0
    assert len(reminders()) == 3
    assert result["number"] in reminders()[-1].body


@pytest.mark.usefixtures("with_request_context")
def test_reminders_of_completion_to_the_requester_and_of_objections_to_the_atasan(
        people, clock):
    clock(2026, 11, 30, 9, 0)
    asked = _file(language="en")
    act("ppid_request_ask_completion", "utama", id=Request.get(asked["number"]).id,
        note="Attach the power of attorney")
    assert Request.get(asked["number"]).completion_due == D(2026, 12, 3)
    objected = _file(information="Data posyandu", purpose="Kajian", nik="3671015507880004",
                     email="keberatan@example.org")
    obj = act("ppid_objection_create", None, token=objected["tracking_token"], grounds=["b"],
              reasons="Informasi berkala tidak diumumkan")
    # 30 working days: Christmas 24-25 December, 1 and 5 January 2027 are off
    assert obj["due_date"] == "2027-01-15"

    clock(2026, 11, 30, 17, 0)
    counts = act("ppid_remind", "utama")
    assert counts["completion"] == 1  # 1, 2, 3 December: 3 working days left
    mail = people.smtp.to(PERSONAL["email"])[-1]
    assert mail.subject.endswith("Reminder: please complete your request")
    assert "in 3 working days" in mail.body
    assert act("ppid_remind", "utama")["completion"] == 0

    clock(2027, 1, 12, 7, 0)  # 13, 14, 15 January left
    assert act("ppid_remind", "utama")["objections"] == 1
    assert act("ppid_remind", "utama")["objections"] == 0
    atasan = [m for m in people.smtp.to("sekda@tangerangkota.go.id") if "Pengingat" in m.subject]
    assert len(atasan) == 1 and obj["number"] in atasan[0].body


# 4. The easy-read guide reads the settings ---------------------------------------------------

def test_easy_read_guide_states_the_configured_working_days(app, ckan_config):
    page = app.get("/aksesibilitas/ppid-mudah-dibaca").body
    for sentence in ("dalam 10 hari kerja", "paling lama 7 hari kerja", "3 hari kerja",
                     "dalam 30 hari kerja", "dalam 14 hari kerja"):
        assert sentence in page, sentence
    ckan_config.update({"ckanext.tangerang.ppid.decision_days": "12",
                        "ckanext.tangerang.ppid.extension_max_days": "5",
                        "ckanext.tangerang.ppid.dispute_days": "21"})
    page = app.get("/aksesibilitas/ppid-mudah-dibaca").body
    assert "dalam 12 hari kerja" in page and "paling lama 5 hari kerja" in page
    assert "dalam 21 hari kerja" in page and "dalam 10 hari kerja" not in page
    text = app.get("/aksesibilitas/ppid-prosedur.txt").body
    assert "12 hari kerja" in " ".join(line.strip() for line in text.splitlines())
