"""Personal data of requesters under UU 27/2022 (issue 13, item 5): encrypted at rest (fields
and files), masked by default, shown in full only through a logged "show" by the officer
handling the request, the log on the requester's tracking page, no address in the mailer's
log, key rotation, and a retention purge that waits for open disputes."""
import base64
import logging
import os

import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from click.testing import CliRunner

from ckanext.tangerang.ppid import crypto, lib, logfilter
from ckanext.tangerang.ppid.cli import ppid as ppid_cli
from ckanext.tangerang.ppid.model import Request
from forms import csrf_field
from ppid_testlib import PDF, PERSONAL, request_data

MASKED_NIK = "3671 01** **** 0001"


@pytest.fixture
def routed(act, people):
    """A web request routed to Dinkes: (the request as the Utama sees it, tracking token)."""
    created = act("ppid_request_create", None, **request_data())
    shown = act("ppid_request_show", "utama", id=created["number"])
    act("ppid_request_route", "utama", id=shown["id"], opd="dinkes")
    return shown, created["tracking_token"]


def _row(request_id):
    return model.Session.execute(sa.text(
        "SELECT nik, nik_hash, phone, address FROM tangerang_ppid_request WHERE id = :id"),
        {"id": request_id}).one()


# 1. at rest --------------------------------------------------------------------------------

def test_the_database_holds_no_plain_nik_phone_or_address(routed):
    shown, _token = routed
    row = _row(shown["id"])
    dump = " ".join(str(value) for value in row)
    for secret in (PERSONAL["nik"], PERSONAL["phone"], PERSONAL["address"], "Cipondoh"):
        assert secret not in dump
    assert all(value.startswith("ppid1:") for value in (row.nik, row.phone, row.address))
    # the keyed hash is not the plain SHA-256 anyone could compute from the 16 digits
    assert len(row.nik_hash) == 64 and row.nik_hash != lib.token_hash(PERSONAL["nik"])
    # no other column of the table holds them either
    everything = model.Session.execute(sa.text(
        "SELECT t::text FROM tangerang_ppid_request t WHERE id = :id"), {"id": shown["id"]}).scalar()
    assert PERSONAL["nik"] not in everything and PERSONAL["phone"] not in everything


def test_the_identity_scan_on_disk_is_not_the_uploaded_bytes(routed):
    shown, _token = routed
    stored = model.Session.get(Request, shown["id"]).files[0]
    with open(lib.stored_path(stored.storage_path), "rb") as f:
        on_disk = f.read()
    assert on_disk != PDF and b"%PDF" not in on_disk and on_disk.startswith(crypto.FILE_MAGIC)
    assert lib.read_stored(stored.storage_path) == PDF


def test_a_duplicate_is_found_by_the_keyed_hash_of_the_nik(act, people):
    first = act("ppid_request_create", None, **request_data())
    again = act("ppid_request_create", None, **request_data())
    assert again["duplicate"] is True and again["number"] == first["number"]
    assert "tracking_token" not in again
    other = act("ppid_request_create", None, **request_data(nik="3671011503900002"))
    assert other["number"] != first["number"]


# 2. masked by default, shown on purpose --------------------------------------------------------

def test_masks():
    assert crypto.mask_nik("3671010101990099") == "3671 01** **** 0099"
    assert crypto.mask_phone("081298765432") == "0812 **** *432"
    assert crypto.mask_address("Jl. Melati Rahasia No. 77, Cipondoh") == "***, Cipondoh"
    assert crypto.mask_nik(None) is None and crypto.mask_address("") == ""


def test_show_action_and_officer_page_show_the_mask(app, act, routed, tokens):
    shown, _token = routed
    for user in ("utama", "dinkes_officer"):
        data = act("ppid_request_show", user, id=shown["id"])
        assert data["nik"] == MASKED_NIK
        assert PERSONAL["phone"] not in data["phone"] and data["phone"].endswith("432")
        assert data["address"] == "***, Cipondoh"
    page = app.get(f"/ppid/petugas/{shown['id']}", headers=tokens["dinkes_officer"])
    assert page.status_code == 200 and MASKED_NIK in page.body
    for secret in (PERSONAL["nik"], PERSONAL["phone"], PERSONAL["address"]):
        assert secret not in page.body
    # the identity scan is not offered before the show, nor sent
    file_id = data["files"][0]["id"]
    assert f"/berkas/{file_id}" not in page.body
    response = app.get(f"/ppid/petugas/{shown['id']}/berkas/{file_id}",
                       headers=tokens["dinkes_officer"])
    assert response.status_code == 403


def test_show_form_reveals_to_the_handling_officer_and_logs_it(app, routed, tokens):
    shown, token = routed
    url = f"/ppid/petugas/{shown['id']}/data-pribadi"
    page = app.get(f"/ppid/petugas/{shown['id']}", headers=tokens["dinkes_officer"])
    assert f'action="{url}"' in page.body and 'name="reason"' in page.body
    refused = app.post(url, headers=tokens["dinkes_officer"], data={"reason": ""})
    assert refused.status_code == 409 and PERSONAL["nik"] not in refused.body
    response = app.post(url, headers=tokens["dinkes_officer"],
                        data={"reason": "Mengirim surat keputusan lewat pos"})
    assert response.status_code == 200
    for secret in (PERSONAL["nik"], PERSONAL["phone"], PERSONAL["address"]):
        assert secret in response.body
    assert "no-store" in response.headers["Cache-Control"]
    # the identity scan opens to this officer now, decrypted
    file_id = next(f["id"] for f in shown["files"] if f["kind"] == "identity")
    assert f"/berkas/{file_id}" in response.body
    scan = app.get(f"/ppid/petugas/{shown['id']}/berkas/{file_id}",
                   headers=tokens["dinkes_officer"])
    assert scan.status_code == 200 and scan.data == PDF
    # logged: who, when, why
    log = tk.get_action("ppid_personal_access_list")(
        {"user": "utama", "ignore_auth": False}, {"id": shown["id"]})
    assert [(a["user_name"], a["role"], a["opd"], a["reason"]) for a in log] == \
        [("dinkes_officer", "ppid_pelaksana", "dinkes", "Mengirim surat keputusan lewat pos")]
    # the requester sees the office and the reason, not the officer's name
    tracking = app.get(f"/ppid/lacak/{token}")
    assert "Mengirim surat keputusan lewat pos" in tracking.body
    assert "PPID Pelaksana" in tracking.body and "dinkes_officer" not in tracking.body
    tracked = tk.get_action("ppid_request_track")({"user": ""}, {"token": token})
    assert tracked["personal_access"][0]["role"] == "ppid_pelaksana"
    assert "user_id" not in tracked["personal_access"][0]
    assert PERSONAL["nik"] not in tracking.body


def test_others_cannot_reveal(act, routed, app, tokens):
    shown, _token = routed
    for user in ("dindik_officer", "sekda", "citizen", None):
        with pytest.raises(tk.NotAuthorized):
            act("ppid_personal_data_reveal", user, id=shown["id"], reason="ingin tahu")
        response = app.post(f"/ppid/petugas/{shown['id']}/data-pribadi",
                            headers=tokens[user] if user else {}, data={"reason": "ingin tahu"})
        # anonymous: refused already for the missing CSRF field (400), else 403
        assert response.status_code in ((400, 403) if user is None else (403,))
        assert PERSONAL["nik"] not in response.body
    # the Atasan without a keberatan sees no personal data at all, not even masked
    atasan = act("ppid_request_show", "sekda", id=shown["id"])
    assert atasan["nik"] is None and atasan["address"] is None and atasan["name"] is None
    assert not [f for f in atasan["files"] if f["kind"] == "identity"]
    page = app.get(f"/ppid/petugas/{shown['id']}", headers=tokens["sekda"])
    assert "3671 01" not in page.body and PERSONAL["name"] not in page.body
    assert model.Session.execute(sa.text(
        "SELECT count(*) FROM tangerang_ppid_personal_access")).scalar() == 0


def test_the_atasan_sees_personal_data_where_a_keberatan_exists(act, routed):
    shown, token = routed
    act("ppid_objection_create", None, token=token, grounds=["b"], reasons="belum dijawab")
    atasan = act("ppid_request_show", "sekda", id=shown["id"])
    assert atasan["nik"] == MASKED_NIK
    full = act("ppid_personal_data_reveal", "sekda", id=shown["id"],
               reason="Memeriksa identitas pemohon keberatan")
    assert full["nik"] == PERSONAL["nik"] and full["address"] == PERSONAL["address"]
    tracked = act("ppid_request_track", None, token=token)
    assert tracked["personal_access"][-1]["role"] == "atasan"


# 3. nothing personal in the logs -------------------------------------------------------------

class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_the_mailer_log_has_no_email_address(act, people):
    # the ini's "ckan" logger does not propagate to pytest's handler: listen on the mailer's
    mailer_log = logging.getLogger("ckan.lib.mailer")
    # (and the test set-up's logging.config disabled it: on again, as in the web server)
    records, level, disabled = _Records(), mailer_log.level, mailer_log.disabled
    mailer_log.addHandler(records)
    mailer_log.setLevel(logging.INFO)
    mailer_log.disabled = False
    try:
        act("ppid_request_create", None, **request_data())
    finally:
        mailer_log.removeHandler(records)
        mailer_log.setLevel(level)
        mailer_log.disabled = disabled
    assert people.smtp.to(PERSONAL["email"])  # the receipt went out
    lines = records.lines
    assert lines and any("s***@example.org" in line for line in lines)
    assert not any(PERSONAL["email"] in line for line in lines)


def test_log_filter_masks_every_address():
    assert logfilter.mask("Sent email to a.b@c.go.id and x@y.org") == \
        "Sent email to a***@c.go.id and x***@y.org"


# 4. key rotation ------------------------------------------------------------------------------

def _rotate(*args):
    # the command itself, in this test's configuration (``ckan`` would read the ini again)
    return CliRunner().invoke(ppid_cli, ["rotate-key", *args])


def test_rotation_keeps_the_data_readable(act, routed, ckan_config):
    shown, _token = routed
    old = ckan_config[crypto.KEY_OPTION]
    old_kid = crypto.key_id(_row(shown["id"]).nik)
    new = base64.urlsafe_b64encode(os.urandom(32)).decode()
    ckan_config[crypto.KEY_OPTION] = new
    # the old key given on the command line
    result = _rotate("--old", old)
    assert result.exit_code == 0, result.output
    assert "rows=1" in result.output and "files=1" in result.output
    row = _row(shown["id"])
    assert crypto.key_id(row.nik) != old_kid and crypto.key_id(row.phone) == crypto.key_id(row.nik)
    model.Session.expire_all()
    full = act("ppid_personal_data_reveal", "utama", id=shown["id"], reason="uji rotasi")
    assert (full["nik"], full["phone"], full["address"]) == \
        (PERSONAL["nik"], PERSONAL["phone"], PERSONAL["address"])
    stored = model.Session.get(Request, shown["id"]).files[0]
    assert lib.read_stored(stored.storage_path) == PDF
    # duplicates are still found with the new key's hash
    assert act("ppid_request_create", None, **request_data())["duplicate"] is True
    # without the old key nothing is left that needs it
    assert crypto.file_key_id(open(lib.stored_path(stored.storage_path), "rb").read()) == \
        crypto.current_key().kid.hex()


def test_rotation_reads_previous_keys_from_the_config(act, routed, ckan_config):
    shown, _token = routed
    old = ckan_config[crypto.KEY_OPTION]
    ckan_config[crypto.KEY_OPTION] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    model.Session.expire_all()
    with pytest.raises(crypto.KeyError_):  # before: the old rows need the old key
        model.Session.get(Request, shown["id"]).nik
    model.Session.rollback()
    ckan_config[crypto.PREVIOUS_OPTION] = old
    result = _rotate()
    assert result.exit_code == 0, result.output
    ckan_config[crypto.PREVIOUS_OPTION] = ""
    model.Session.expire_all()
    assert model.Session.get(Request, shown["id"]).nik == PERSONAL["nik"]


# 5. retention purge -------------------------------------------------------------------------

def test_the_purge_waits_for_an_open_dispute(act, people, ckan_config):
    disputed = act("ppid_request_create", None, **request_data())
    plain = act("ppid_request_create", None, **request_data(nik="3671011503900002",
                                                             information="Data lain"))
    ids = {}
    for created in (disputed, plain):
        shown = act("ppid_request_show", "utama", id=created["number"])
        act("ppid_request_decide", "utama", id=shown["id"], outcome="granted", reasons="ok",
            given="tabel")
        ids[created["number"]] = shown["id"]
    objection = act("ppid_objection_create", None, token=disputed["tracking_token"],
                    grounds=["b"], reasons="tidak sesuai")
    act("ppid_objection_decide", "sekda", id=objection["id"], result="rejected", reasons="x")
    act("ppid_dispute_create", "sekda", id=objection["id"], reference="KI/1/2026")
    ckan_config["ckanext.tangerang.ppid.retention_days"] = "-1"
    assert act("ppid_personal_data_purge", "utama")["purged"] == 1
    model.Session.expire_all()
    kept = model.Session.get(Request, ids[disputed["number"]])
    gone = model.Session.get(Request, ids[plain["number"]])
    assert kept.nik == PERSONAL["nik"] and kept.files
    assert gone.nik is None and gone.nik_hash is None and gone.phone is None
