"""Personal data (UU PDP) never reaches a page or API answer its viewer may not see.

Walks every public page and every PPID API action as an anonymous visitor and as the officer of
another OPD, after a request went through the whole workflow."""
import io
import logging

import pytest

from ckan.tests import factories

from ckanext.tangerang.ppid.logic import action as ppid_actions
from ckanext.tangerang.ppid.logic import personal as ppid_personal
from ppid_testlib import PDF, PERSONAL, act as _act, request_data

ACTIONS = sorted(ppid_actions.ACTIONS)
SECRETS = list(PERSONAL.values())


@pytest.fixture
def scenario(app, people, caplog):
    caplog.set_level(logging.DEBUG)

    def act(*args, **kwargs):
        with app.flask_app.test_request_context():
            return _act(*args, **kwargs)

    created = act("ppid_request_create", None, **request_data())
    shown = act("ppid_request_show", "utama", id=created["number"])
    act("ppid_request_route", "utama", id=shown["id"], opd="dinkes")
    act("ppid_request_decide", "dinkes_officer", id=shown["id"], outcome="partly",
        reasons="sebagian dikecualikan", given="tabel agregat", exempt_parts="nama pasien",
        exemption_grounds=["h"],
        consequence_test={"information": "rekam medis", "legal_basis": "UU Kesehatan",
                          "harm": "rahasia pribadi", "public_interest": "kecil",
                          "record_number": "02/UK/2026"},
        documents=[type("U", (), {"stream": io.BytesIO(PDF), "filename": "tabel.pdf"})()])
    objection = act("ppid_objection_create", None, token=created["tracking_token"],
                    grounds=["a"], reasons="keberatan")
    act("ppid_dip_create", "utama", number="DIP-1", summary="Profil Dinas Kesehatan",
        opd="dinkes", holder="Sekretariat", responsible="Kasubag Umum", made="2026, Tangerang",
        form="elektronik", retention="5 tahun", category="berkala")
    full = act("ppid_request_show", "utama", id=shown["id"])
    return {"request": full, "objection": objection, "token": created["tracking_token"],
            "act": act}


def _assert_clean(text, where):
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked in {where}"


def _pages(s):
    r = s["request"]
    file_id = r["files"][0]["id"]
    return [
        "/ppid/", "/ppid/permohonan", "/ppid/dip", "/ppid/register", "/ppid/register?year=2026",
        "/ppid/statistik", "/ppid/laporan/2026", "/ppid/laporan/2026.csv",
        f"/ppid/lacak/{s['token']}", f"/ppid/lacak/{s['token']}/surat",
        "/ppid/petugas", f"/ppid/petugas/{r['id']}", f"/ppid/petugas/{r['id']}/surat",
        f"/ppid/petugas/{r['id']}/berkas/{file_id}", "/ppid/petugas/kalender",
    ]


def _api_calls(s):
    r, o = s["request"], s["objection"]
    data = {"id": r["id"], "number": r["number"], "opd": "dindik", "year": 2026, "note": "x",
            "reasons": "x", "days": 1, "reason": "x", "outcome": "granted", "given": "x",
            "grounds": ["b"], "result": "accepted", "date": "2026-12-01", "name": "x"}
    calls = []
    for name in ACTIONS:
        body = dict(data)
        if name in ("ppid_objection_decide", "ppid_dispute_create"):
            body["id"] = o["id"]
        calls.append((name, body))
    return calls


@pytest.mark.parametrize("viewer", [None, "dindik_officer"])
def test_no_personal_field_on_any_public_page_or_action(app, scenario, viewer, caplog):
    headers = {}
    if viewer:
        headers = {"Authorization": factories.APIToken(user=viewer)["token"]}
    for url in _pages(scenario):
        response = app.get(url, headers=headers)
        if "/ppid/petugas/" in url and url != "/ppid/petugas/kalender":
            assert response.status_code in (403, 404), url
        _assert_clean(response.body if response.status_code != 200 or "berkas" not in url
                      else "", url)
    for name, body in _api_calls(scenario):
        response = app.post(f"/api/3/action/{name}", json=body, headers=headers)
        _assert_clean(response.body, name)
        if name in ("ppid_request_show", "ppid_request_route", "ppid_request_decide",
                    "ppid_request_extend", "ppid_request_ask_completion",
                    "ppid_personal_data_reveal", "ppid_personal_access_list"):
            assert response.status_code == 403, name
    # the search index holds nothing of the requests
    for secret in (PERSONAL["nik"], PERSONAL["name"]):
        found = app.get("/api/3/action/package_search", query_string={"q": secret},
                        headers=headers).json["result"]
        assert found["count"] == 0
    # nothing else changed: the request is still as the scenario left it
    after = scenario["act"]("ppid_request_show", "utama", id=scenario["request"]["id"])
    assert after["state"] == "decided" and after["extension_days"] is None
    # the logs of the whole walk, and of the workflow before it, carry no personal data
    _assert_clean("\n".join(r.getMessage() for r in caplog.records), "logs")


def test_other_opd_officer_sees_none_of_another_opds_requests(app, scenario):
    headers = {"Authorization": factories.APIToken(user="dindik_officer")["token"]}
    listing = app.get("/api/3/action/ppid_request_list", headers=headers).json["result"]
    assert listing["count"] == 0
    page = app.get("/ppid/petugas", headers=headers)
    assert scenario["request"]["number"] not in page.body


def test_officer_mail_about_a_request_carries_no_personal_data(scenario, people):
    officers = [m for m in people.smtp.messages if PERSONAL["email"] not in m.to]
    assert officers  # routing told Dinkes, the objection told the Atasan
    for message in officers:
        _assert_clean(message.subject + message.body, f"mail to {message.to}")


def test_handling_officer_and_requester_see_what_they_need(app, scenario):
    headers = {"Authorization": factories.APIToken(user="dinkes_officer")["token"]}
    detail = app.get(f"/ppid/petugas/{scenario['request']['id']}", headers=headers)
    # masked until the officer shows them, with a reason (test_ppid_personal_data.py)
    assert "3671 01** **** 0001" in detail.body and "***, Cipondoh" in detail.body
    assert PERSONAL["nik"] not in detail.body and PERSONAL["address"] not in detail.body
    tracked = app.get(f"/ppid/lacak/{scenario['token']}")
    assert "tabel agregat" in app.get(f"/ppid/lacak/{scenario['token']}/surat").body
    _assert_clean(tracked.body, "tracking page")
