"""Daftar Informasi Publik, the public register, statistics, the annual report, reminders."""
import csv
import datetime as dt
import io

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

import satu_factories

from ckanext.tangerang.ppid.model import Request
from ppid_testlib import act, request_data

pytestmark = pytest.mark.usefixtures("with_request_context")

DIP = dict(number="DIP-DINKES-001", summary="Profil dan kinerja Dinas Kesehatan", opd="dinkes",
           holder="Sekretariat Dinkes", responsible="Kepala Subbagian Umum",
           made="Januari 2026, Kota Tangerang", form="elektronik", retention="5 tahun",
           category="berkala")


def _letter(received, user="utama", **extra):
    data = request_data(channel="letter", received_date=received, identity_upload=None, **extra)
    number = act("ppid_request_create", user, **data)["number"]
    return act("ppid_request_show", user, id=number)


def test_dip_managed_by_officers_public_to_all_linked_to_dataset(people):
    dataset = satu_factories.Dataset(owner_org=factories.Organization()["id"])
    entry = act("ppid_dip_create", "dinkes_officer", package_id=dataset["name"], **DIP)
    assert entry["package_name"] == dataset["name"]
    with pytest.raises(tk.NotAuthorized):
        act("ppid_dip_update", "dindik_officer", id=entry["id"], **DIP)
    with pytest.raises(tk.NotAuthorized):
        act("ppid_dip_create", None, **DIP)
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_dip_create", "utama", **{**DIP, "category": "rahasia"})
    assert {"number", "category"} <= set(error.value.error_dict)  # duplicate number too
    listed = act("ppid_dip_list", None, category="berkala")
    assert [e["number"] for e in listed] == ["DIP-DINKES-001"]
    assert act("ppid_dip_list", None, category="serta_merta") == []
    updated = act("ppid_dip_update", "utama", id=entry["id"], **{**DIP, "retention": "10 tahun"})
    assert updated["retention"] == "10 tahun"


EXEMPT = {**DIP, "number": "DIP-DINKES-009", "category": "dikecualikan",
          "summary": "Rekam medis pasien Puskesmas"}
TEST = {"information": "Rekam medis pasien", "legal_basis": "UU 17/2023 Ps 177",
        "harm": "Membuka rahasia pribadi pasien", "public_interest": "Tidak ada yang lebih besar",
        "record_number": "02/UK/PPID/2026"}


def test_an_exempt_dip_entry_needs_its_grounds_and_a_dated_consequence_test(people, freezer):
    freezer.move_to("2026-11-30")
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_dip_create", "utama", **EXEMPT)
    errors = error.value.error_dict
    assert "Ps 17" in errors["exemption_grounds"][0]
    assert {f"consequence_test_{p}" for p in TEST} <= set(errors)
    # ground h (personal secrets) is permanent: no time limit needed; ground a-f needs a date
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_dip_create", "utama", exemption_grounds=["c"], consequence_test=TEST, **EXEMPT)
    assert "Ps 20" in error.value.error_dict["consequence_test_until"][0]
    for until, message in (("setelah pemilu", "TTTT-BB-HH"), ("2026-11-30", "Ps 20")):
        with pytest.raises(tk.ValidationError) as error:
            act("ppid_dip_create", "utama", exemption_grounds=["c"],
                consequence_test={**TEST, "until": until}, **EXEMPT)
        assert message in error.value.error_dict["consequence_test_until"][0]
    assert act("ppid_dip_list", None, category="dikecualikan") == []
    entry = act("ppid_dip_create", "utama", exemption_grounds=["h"], consequence_test=TEST,
                **EXEMPT)
    assert entry["exemption_grounds"] == ["h"]
    assert entry["consequence_test"]["record_number"] == "02/UK/PPID/2026"
    assert entry["consequence_test"]["until"] == ""
    # the form's fields work too, and another category carries no exemption
    dated = act("ppid_dip_create", "utama", exemption_grounds="c,h",
                consequence_test_until="2031-12-31",
                **{f"consequence_test_{p}": v for p, v in TEST.items()},
                **{**EXEMPT, "number": "DIP-DINKES-010"})
    assert dated["exemption_grounds"] == ["c", "h"]
    assert dated["consequence_test"]["until"] == "2031-12-31"
    plain = act("ppid_dip_create", "utama", exemption_grounds=["c"], **DIP)
    assert plain["exemption_grounds"] == [] and plain["consequence_test"] is None


def test_a_rejection_is_exempt_until_a_date_after_today(people, freezer):
    freezer.move_to("2026-11-30")
    data = request_data(channel="letter", received_date="2026-11-30", identity_upload=None)
    shown = act("ppid_request_show", "utama", id=act("ppid_request_create", "utama",
                                                      **data)["number"])
    for until in ("dua tahun", "2026-11-29"):
        with pytest.raises(tk.ValidationError) as error:
            act("ppid_request_decide", "utama", id=shown["id"], outcome="rejected",
                reasons="x", exemption_grounds=["a"], consequence_test={**TEST, "until": until})
        assert "consequence_test_until" in error.value.error_dict
    decided = act("ppid_request_decide", "utama", id=shown["id"], outcome="rejected",
                  reasons="menghambat penyidikan", exemption_grounds=["a"],
                  consequence_test={**TEST, "until": "2028-06-30"})
    assert decided["consequence_test"]["until"] == "2028-06-30"


def test_dip_page_and_api(app, people):
    with app.flask_app.test_request_context():
        act("ppid_dip_create", "utama", **DIP)
    page = app.get("/ppid/dip")
    assert "DIP-DINKES-001" in page.body and "<caption" in page.body
    api = app.get("/api/3/action/ppid_dip_list").json["result"]
    assert api[0]["summary"] == DIP["summary"]


def test_statistics_and_annual_report(app, people, freezer):
    # each decision recorded on the day it bears (a back-dated one counts on the day recorded)
    freezer.move_to("2026-03-31")
    on_time = _letter("2026-03-17")
    act("ppid_request_decide", "utama", id=on_time["id"], outcome="granted", reasons="ok",
        given="tabel", decided_date="2026-03-31")
    late = _letter("2026-03-17", information="anggaran")
    act("ppid_request_route", "utama", id=late["id"], opd="dinkes")
    freezer.move_to("2026-04-20")
    act("ppid_request_decide", "dinkes_officer", id=late["id"], outcome="rejected",
        reasons="rahasia", exemption_grounds=["h"], decided_date="2026-04-20",
        consequence_test={"information": "i", "legal_basis": "l", "harm": "h",
                          "public_interest": "p", "record_number": "r"})
    freezer.move_to("2026-05-04")
    _letter("2026-05-04", information="belum diputus")
    _letter("2025-12-01", information="tahun lalu")
    stats = act("ppid_statistics", None, year=2026)
    assert stats["total"] == 3 and stats["decided"] == 2 and stats["open"] == 1
    assert stats["per_month"][2] == {"month": 3, "count": 2}
    assert stats["outcomes"]["granted"] == 1 and stats["outcomes"]["rejected"] == 1
    # 5 and 18 working days after 17 March (Good Friday 3 April is off)
    assert stats["median_working_days"] == pytest.approx((5 + 18) / 2)
    assert stats["on_time_share"] == 0.5
    report = act("ppid_annual_report", None, year=2026)
    assert report["rejection_grounds"] == {"h": 1}
    assert [r["working_days_taken"] for r in report["requests"]] == [5, 18, None]
    page = app.get("/ppid/statistik?year=2026")
    assert "<caption" in page.body and "Maret" in page.body
    printable = app.get("/ppid/laporan/2026")
    assert "Pasal 12" in printable.body
    rows = list(csv.reader(io.StringIO(app.get("/ppid/laporan/2026.csv").body)))
    assert rows[0][0] == "nomor_pendaftaran" and len(rows) == 4
    assert rows[2][4] == "18" and rows[2][5] == "tidak" and rows[2][7] == "h"
    register = app.get("/api/3/action/ppid_register_list?year=2026").json["result"]
    assert register["count"] == 3
    assert set(register["results"][0]) == {
        "number", "information", "opd", "opd_title", "channel", "state", "received_date",
        "due_date", "decided_date", "outcome", "working_days_taken", "on_time"}


def test_bad_year_is_refused(people):
    with pytest.raises(tk.ValidationError):
        act("ppid_statistics", None, year=1900)


def test_daily_reminder_flags_overdue_and_lapses_uncompleted(people):
    from ckanext.tangerang.ppid import jobs

    overdue = _letter("2026-03-17")
    act("ppid_request_route", "utama", id=overdue["id"], opd="dinkes")
    waiting = act("ppid_request_create", None, **request_data(information="x"))
    waiting = act("ppid_request_show", "utama", id=waiting["number"])
    act("ppid_request_ask_completion", "utama", id=waiting["id"], note="KTP buram")
    model.Session.get(Request, waiting["id"]).completion_due = dt.date(2026, 3, 1)
    model.Session.commit()
    before = len(people.smtp.to("dinkes_officer@tangerangkota.go.id"))
    # the body of the background job and of `ckan tangerang ppid remind`
    counts = jobs.remind()
    assert counts["lapsed"] == 1 and counts["overdue"] == 1 and counts["reminded"] == 1
    mail = people.smtp.to("dinkes_officer@tangerangkota.go.id")[before:]
    assert len(mail) == 1 and overdue["number"] in mail[0].body
    shown = act("ppid_request_show", "utama", id=waiting["id"])
    assert shown["state"] == "lapsed" and shown["events"][-1]["action"] == "lapse"
    # a second run the same day does not mail again
    assert jobs.remind()["reminded"] == 0


# The CLI reloads the configuration from the ini file (the real SMTP server of these tests is
# not in it), so the CLI tests check the commands' output on an empty workflow.
def test_remind_cli(people, cli):
    result = cli.invoke(ckan_cli, ["tangerang", "ppid", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminded=0 overdue=0 lapsed=0 objections=0" in result.output


def test_reminder_as_background_job(people, cli):
    result = cli.invoke(ckan_cli, ["tangerang", "ppid", "remind", "--enqueue"])
    assert result.exit_code == 0, result.output
    jobs = tk.get_action("job_list")({"ignore_auth": True}, {})
    assert any(j["title"] == "PPID daily reminder" for j in jobs)
    tk.get_action("job_clear")({"ignore_auth": True}, {})


def test_due_cli_shows_the_working_day(people, cli):
    result = cli.invoke(ckan_cli, ["tangerang", "ppid", "due", "2026-03-17", "10"])
    assert result.output.strip().splitlines()[-1] == "2026-04-08"
    assert "off 2026-03-19" in result.output


def test_personal_data_erased_after_retention(people, ckan_config):
    import os
    from ckanext.tangerang.ppid import lib
    created = act("ppid_request_create", None, **request_data())
    req = act("ppid_request_show", "utama", id=created["number"])
    act("ppid_request_decide", "utama", id=req["id"], outcome="granted", reasons="ok",
        given="tabel")
    path = lib.stored_path(model.Session.get(Request, req["id"]).files[0].storage_path)
    assert os.path.exists(path)
    assert act("ppid_personal_data_purge", "utama")["purged"] == 0  # within retention
    ckan_config["ckanext.tangerang.ppid.retention_days"] = "-1"
    assert act("ppid_personal_data_purge", "utama")["purged"] == 1
    shown = act("ppid_request_show", "utama", id=req["id"])
    assert shown["nik"] is None and shown["name"] == "" and shown["email"] is None
    assert shown["files"] == [] and not os.path.exists(path)
    assert shown["outcome"] == "granted"  # the register and reports keep the request
    with pytest.raises(tk.NotAuthorized):
        act("ppid_personal_data_purge", "dinkes_officer")
