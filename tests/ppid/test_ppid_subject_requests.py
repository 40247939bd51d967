"""A requester's requests about their own personal data (UU PDP Ps 7, 8, 32, 43), through the
tracking page as a browser sends them: a copy by mail to the address given, erasure now when
the request is closed, held while it or a keberatan is open and then carried out by the daily
purge; a copy for a requester without e-mail handed over by the officer."""
from __future__ import annotations

import pytest

from ckan import model

from ckanext.tangerang.ppid import lib
from ckanext.tangerang.ppid.model import Request, SubjectRequest
from forms import csrf_field
from ppid_testlib import PERSONAL, request_data


def _post(app, token, data):
    page = app.get(f"/ppid/lacak/{token}")
    assert page.status_code == 200
    form = {**csrf_field(page.body), **data}
    return app.post(f"/ppid/lacak/{token}/subject", data=form, follow_redirects=False)


def _filed(act):
    created = act("ppid_request_create", None, **request_data())
    shown = act("ppid_request_show", "utama", id=created["number"])
    return shown, created["tracking_token"]


def test_a_copy_goes_by_mail_to_the_address_given_and_never_onto_the_page(app, act, people):
    shown, token = _filed(act)
    response = _post(app, token, {"kind": "copy"})
    assert response.status_code == 302
    mails = [m for m in people.smtp.to(PERSONAL["email"]) if "salinan" in m.subject.lower()
             or "copy" in m.subject.lower()]
    assert len(mails) == 1
    for value in (PERSONAL["nik"], PERSONAL["phone"], PERSONAL["address"], "ktp.pdf"):
        assert value in mails[0].body
    page = app.get(f"/ppid/lacak/{token}")
    assert PERSONAL["nik"] not in page.body and PERSONAL["phone"] not in page.body
    tracked = act("ppid_request_track", None, token=token)
    assert [(s["kind"], s["state"]) for s in tracked["subject_requests"]] == [("copy", "done")]
    # the officers are not mailed the data
    assert not any(PERSONAL["nik"] in m.body for m in people.smtp.to("utama@tangerangkota.go.id"))


def test_erasure_waits_while_the_request_is_open_then_the_purge_carries_it_out(app, act,
                                                                               people):
    shown, token = _filed(act)
    refused = _post(app, token, {"kind": "erase"})
    assert refused.status_code == 409
    assert "field-confirm" in refused.body and "tidak dapat dibatalkan" in refused.body
    assert model.Session.query(SubjectRequest).count() == 0

    assert _post(app, token, {"kind": "erase", "confirm": "on"}).status_code == 302
    tracked = act("ppid_request_track", None, token=token)
    [asked] = tracked["subject_requests"]
    assert asked["state"] == "waiting" and asked["note"] == "request_open"
    assert "Ps 43 ayat (1) huruf a" in asked["note_text"]
    model.Session.expire_all()
    assert model.Session.get(Request, shown["id"]).nik == PERSONAL["nik"]
    # asking again while one waits: a clear message, nothing stored twice
    again = _post(app, token, {"kind": "erase", "confirm": "on"})
    assert again.status_code == 409
    assert model.Session.query(SubjectRequest).count() == 1

    act("ppid_request_decide", "utama", id=shown["id"], outcome="granted", reasons="ok",
        given="tabel")
    result = act("ppid_personal_data_purge", "utama")
    assert result == {"purged": 0, "asked": 1}
    model.Session.expire_all()
    req = model.Session.get(Request, shown["id"])
    assert req.nik is None and req.phone is None and req.name == "" and req.nik_hash is None
    assert not [f for f in req.files if f.kind == "identity"]
    page = app.get(f"/ppid/lacak/{token}")
    assert "dihapus" in page.body
    # the register still lists the request
    assert any(r["number"] == req.number
               for r in act("ppid_register_list", None)["results"])


def test_erasure_of_a_closed_request_is_immediate_but_waits_for_an_open_keberatan(app, act,
                                                                                  people):
    closed, closed_token = _filed(act)
    act("ppid_request_decide", "utama", id=closed["id"], outcome="granted", reasons="ok",
        given="tabel")
    contested = act("ppid_request_create", None, **request_data(
        nik="3671011503900002", information="Data lain"))
    contested_id = act("ppid_request_show", "utama", id=contested["number"])["id"]
    act("ppid_request_decide", "utama", id=contested_id, outcome="granted", reasons="ok",
        given="tabel")
    act("ppid_objection_create", None, token=contested["tracking_token"], grounds=["d"],
        reasons="tidak sesuai")

    assert _post(app, closed_token, {"kind": "erase", "confirm": "on"}).status_code == 302
    model.Session.expire_all()
    assert model.Session.get(Request, closed["id"]).nik is None
    assert act("ppid_request_track", None, token=closed_token)["subject_requests"][0]["state"] \
        == "done"
    # a second erasure or copy of erased data: refused, naming the field
    refused = _post(app, closed_token, {"kind": "copy"})
    assert refused.status_code == 409 and 'id="field-kind"' in refused.body

    assert _post(app, contested["tracking_token"], {"kind": "erase", "confirm": "on"}) \
        .status_code == 302
    [asked] = act("ppid_request_track", None,
                  token=contested["tracking_token"])["subject_requests"]
    assert asked["state"] == "waiting" and asked["note"] == "objection_open"
    assert act("ppid_personal_data_purge", "utama")["asked"] == 0
    model.Session.expire_all()
    assert model.Session.get(Request, contested_id).nik == "3671011503900002"


def test_a_copy_for_a_requester_without_email_is_handed_over_by_the_officer(app, act, people,
                                                                            tokens):
    created = act("ppid_request_create", None, **request_data(email="", delivery_method="pickup"))
    shown = act("ppid_request_show", "utama", id=created["number"])
    assert _post(app, created["tracking_token"], {"kind": "copy"}).status_code == 302
    [asked] = act("ppid_subject_request_list", "utama", id=shown["id"])
    assert asked["state"] == "received"
    assert any(created["number"] in m.subject for m in people.smtp.to("utama@tangerangkota.go.id"))
    # in the Utama's open list; not for another OPD's officer nor the requester's peers
    assert [s["request"] for s in act("ppid_subject_request_list", "utama")] == [shown["number"]]
    import ckan.plugins.toolkit as tk
    for user in ("dindik_officer", "citizen", None):
        with pytest.raises(tk.NotAuthorized):
            act("ppid_subject_request_list", user, id=shown["id"])
    # the officer records it on the request's page
    page = app.get(f"/ppid/petugas/{shown['id']}", headers=tokens["utama"])
    assert "subject_close" in page.body
    empty = app.post(f"/ppid/petugas/{shown['id']}/subject_close", headers=tokens["utama"],
                     data={"subject_request_id": asked["id"], "note": ""})
    assert empty.status_code == 409
    done = app.post(f"/ppid/petugas/{shown['id']}/subject_close", headers=tokens["utama"],
                    data={"subject_request_id": asked["id"], "note": "Diserahkan di loket"},
                    follow_redirects=False)
    assert done.status_code == 302
    [closed] = act("ppid_subject_request_list", "utama", id=shown["id"])
    assert closed["state"] == "done" and closed["note"] == "Diserahkan di loket"
    assert act("ppid_subject_request_list", "utama") == []


def test_the_copy_is_written_in_the_requesters_language(app, act, people):
    created = act("ppid_request_create", None, **request_data(email="en@example.org"))
    with app.flask_app.test_request_context():
        req = Request.by_tracking_hash(lib.token_hash(created["tracking_token"]))
        req.language = "en"
        model.Session.commit()
    assert _post(app, created["tracking_token"], {"kind": "copy"}).status_code == 302
    [mail] = [m for m in people.smtp.to("en@example.org") if "personal data" in m.subject]
    assert "this is the personal data the PPID holds about you" in mail.body


def test_a_copy_not_handed_over_is_reminded_on_its_last_day_and_when_overdue(app, act, people,
                                                                               freezer):
    freezer.move_to("2026-12-01 02:00:00")   # 09:00 in Tangerang, a Tuesday
    created = act("ppid_request_create", None, **request_data(email="", delivery_method="pickup"))
    assert _post(app, created["tracking_token"], {"kind": "copy"}).status_code == 302

    def reminders():
        return [m for m in people.smtp.to("utama@tangerangkota.go.id")
                if created["number"] in m.subject and "Pengingat" in m.subject]

    assert act("ppid_remind", "utama")["copies"] == 0            # 72 hours left
    freezer.move_to("2026-12-03 03:00:00")                         # 23 hours left
    assert act("ppid_remind", "utama")["copies"] == 1
    assert act("ppid_remind", "utama")["copies"] == 0             # once
    assert len(reminders()) == 1 and "Ps 32 ayat (2)" in reminders()[0].body
    assert PERSONAL["nik"] not in reminders()[0].body
    freezer.move_to("2026-12-04 03:00:00")                         # overdue
    assert act("ppid_remind", "utama")["copies"] == 1
    assert len(reminders()) == 2 and "belum tercatat" in reminders()[1].body

