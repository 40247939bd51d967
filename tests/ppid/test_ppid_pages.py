"""The pages as people use them: the public form, receipt, tracking, officers' desk."""
import io
import re

import pytest


from forms import csrf_field
from ppid_testlib import PDF, PERSONAL, request_data


def _form(**extra):
    data = {k: v for k, v in request_data().items() if k != "identity_upload"}
    data["submission_key"] = "form-key-1"
    data.update(extra)
    return data


def test_public_form_is_accessible_and_has_no_account_requirement(app, people):
    page = app.get("/ppid/permohonan")
    assert page.status_code == 200
    html = page.body
    for field in ("name", "nik", "address", "information", "purpose", "identity_upload"):
        assert f'for="field-{field}"' in html
    assert "<fieldset" in html and "<legend" in html
    assert 'name="submission_key"' in html


def test_submit_form_gives_receipt_with_number_and_private_link(app, people):
    data = _form()
    data["identity_upload"] = (io.BytesIO(PDF), "ktp.pdf")
    response = _post(app, "/ppid/permohonan", data=data, follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/ppid/lacak/" in location
    page = app.get(location)
    assert 'role="status"' in page.body
    number = re.search(r"\d{5}/PPID-TNG/[IVX]+/\d{4}", page.body).group(0)
    assert number in people.smtp.to(PERSONAL["email"])[0].subject
    for value in (PERSONAL["nik"], PERSONAL["address"], PERSONAL["phone"]):
        assert value not in page.body
    # the same form sent again (double click) leads to the same request
    data["identity_upload"] = (io.BytesIO(PDF), "ktp.pdf")
    again = _post(app, "/ppid/permohonan", data=data, follow_redirects=False)
    assert again.headers["Location"].split("?")[0] == location.split("?")[0]


def test_form_errors_are_summarised_with_role_alert_and_keep_input(app, people, act):
    data = _form(nik="123", submission_key="k2")
    data["identity_upload"] = (io.BytesIO(b"plain text, not an image"), "ktp.png")
    response = _post(app, "/ppid/permohonan", data=data)
    assert response.status_code == 409
    assert 'role="alert"' in response.body
    assert 'href="#field-nik"' in response.body and 'href="#field-identity_upload"' in response.body
    assert 'aria-invalid="true"' in response.body
    assert PERSONAL["address"] in response.body  # the requester's own input is kept
    assert act("ppid_request_list", "utama")["count"] == 0


def test_officer_desk_detail_and_actions(app, people, tokens, act):
    created = act("ppid_request_create", None, **request_data())
    listing = app.get("/ppid/petugas", headers=tokens["utama"])
    assert created["number"] in listing.body
    shown = act("ppid_request_show", "utama", id=created["number"])
    detail = app.get(f"/ppid/petugas/{shown['id']}", headers=tokens["utama"])
    # the officer in charge sees the requester, the NIK masked until shown with a reason
    assert PERSONAL["name"] in detail.body and "3671 01** **** 0001" in detail.body
    response = app.post(f"/ppid/petugas/{shown['id']}/route", headers=tokens["utama"],
                        data={"opd": "dinkes"}, follow_redirects=False)
    assert response.status_code == 302
    response = app.post(f"/ppid/petugas/{shown['id']}/extend", headers=tokens["dinkes_officer"],
                        data={"days": "9", "reason": "x"})
    assert response.status_code == 409 and 'role="alert"' in response.body
    response = app.post(f"/ppid/petugas/{shown['id']}/decide", headers=tokens["dinkes_officer"],
                        data={"outcome": "granted", "reasons": "tersedia", "given": "tabel"},
                        follow_redirects=False)
    assert response.status_code == 302
    letter = app.get(f"/ppid/petugas/{shown['id']}/surat", headers=tokens["dinkes_officer"])
    assert "22 ayat (7)" in letter.body
    track = app.get(f"/ppid/lacak/{created['tracking_token']}/surat")
    assert "tersedia" in track.body and PERSONAL["nik"] not in track.body
    assert app.get(f"/ppid/petugas/{shown['id']}", headers=tokens["dindik_officer"]).status_code == 403
    assert app.get("/ppid/petugas").status_code == 403


def test_requester_files_objection_from_tracking_page(app, people, act):
    created = act("ppid_request_create", None, **request_data())
    shown = act("ppid_request_show", "utama", id=created["number"])
    act("ppid_request_decide", "utama", id=shown["id"], outcome="granted", reasons="ok",
        given="data")
    token = created["tracking_token"]
    bad = _post(app, f"/ppid/lacak/{token}/objection", data={"reasons": "x"})
    assert bad.status_code == 409 and 'role="alert"' in bad.body
    ok = _post(app, f"/ppid/lacak/{token}/objection", data={"grounds": "d", "reasons": "kurang"},
                  follow_redirects=False)
    assert ok.status_code == 302
    page = app.get(ok.headers["Location"])
    assert 'role="status"' in page.body and "/KEB/" in page.body
    assert [m for m in people.smtp.to("sekda@tangerangkota.go.id") if "/KEB/" in m.subject]


def _duplicate_ids(html):
    ids = re.findall(r'\sid="([^"]+)"', html)
    return {i for i in ids if ids.count(i) > 1}


def test_pages_have_unique_ids_and_labelled_controls(app, people, tokens, act):
    created = act("ppid_request_create", None, **request_data())
    shown = act("ppid_request_show", "utama", id=created["number"])
    pages = [app.get("/ppid/permohonan").body,
             app.get(f"/ppid/lacak/{created['tracking_token']}").body,
             app.get(f"/ppid/petugas/{shown['id']}", headers=tokens["utama"]).body,
             app.get("/ppid/petugas/baru", headers=tokens["utama"]).body]
    for html in pages:
        assert not _duplicate_ids(html)
        # every text control has a label pointing at it
        for control in re.findall(r'<(?:input|textarea|select)[^>]*\sid="(field-[^"]+)"', html):
            assert f'for="{control}"' in html or 'type="hidden"' in control, control
    # an error in one step's form is summarised with a link to that form's field
    response = app.post(f"/ppid/petugas/{shown['id']}/extend", headers=tokens["utama"],
                        data={"days": "3"})
    assert 'href="#field-extend-reason"' in response.body
    assert 'id="field-extend-reason"' in response.body


def test_indonesian_first_english_under_en(app, people):
    assert "Ajukan permohonan informasi publik" in app.get("/ppid/").body
    assert "Request public information" in app.get("/en/ppid/").body
    assert "Wajib diisi" in _post(app, "/ppid/permohonan", data={}).body


def test_lost_link_is_mailed_again_only_to_the_requester(app, people, act):
    created = act("ppid_request_create", None, **request_data())
    page = app.get("/ppid/lacak")
    assert 'for="field-number"' in page.body and 'for="field-email"' in page.body
    before = len(people.smtp.to(PERSONAL["email"]))
    wrong = _post(app, "/ppid/lacak", data={"number": created["number"],
                                          "email": "someone.else@example.org"})
    right = _post(app, "/ppid/lacak", data={"number": created["number"],
                                          "email": PERSONAL["email"].upper()})
    # the same answer either way: nobody learns whose request it is
    assert 'role="status"' in wrong.body and 'role="status"' in right.body
    mail = people.smtp.to(PERSONAL["email"])[before:]
    assert len(mail) == 1 and created["tracking_token"] in mail[0].body
    assert people.smtp.to("someone.else@example.org") == []
    bad = _post(app, "/ppid/lacak", data={"number": "", "email": "x"})
    assert bad.status_code == 409 and 'role="alert"' in bad.body


def _post(app, url, data=None, **kw):
    """A citizen's form post, with the CSRF field of the form page the citizen had open."""
    token = csrf_field(app.get("/ppid/permohonan").body)
    return app.post(url, data={**(data or {}), **token}, **kw)
