"""Who may do what in PPID: roles come only from appointments (or the ini's bootstrap lists),
never from editing an OPD's datasets; the DIP entry's stored OPD decides who edits it; the
requester never sees the officers' internal notes."""
import inspect

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

from ckanext.tangerang.ppid.logic import action as ppid_actions
from ckanext.tangerang.ppid.logic import auth as ppid_auth
from ckanext.tangerang.ppid.model import Appointment, DipEntry
from forms import csrf_field
from ppid_testlib import PERSONAL, act as _act, appoint, request_data

pytestmark = pytest.mark.services

# The people of the table. "editor" edits Dinkes's datasets but was never appointed to PPID;
# Pelaksana A is appointed for Dinkes (the OPD of the request and DIP entry below), B for Dindik.
ROLES = ("anonymous", "citizen", "editor", "pelaksana_a", "pelaksana_b", "utama", "atasan",
         "sysadmin")
USER_OF = {"anonymous": None, "citizen": "citizen", "editor": "dinkes_editor",
           "pelaksana_a": "dinkes_officer", "pelaksana_b": "dindik_officer", "utama": "utama",
           "atasan": "sekda", "sysadmin": "root"}
EVERYONE = " ".join(ROLES)
OFFICERS = "pelaksana_a pelaksana_b utama atasan sysadmin"

# Placeholders filled by the fixture: REQUEST is a request routed to Dinkes, OBJECTION an
# objection to it, DIP an entry of Dinkes, and APPOINTMENT_* existing appointments.
REQUEST, OBJECTION, DIP = "$request", "$objection", "$dip"
APPOINTMENT_PELAKSANA, APPOINTMENT_UTAMA = "$appointment_pelaksana", "$appointment_utama"

# (action or auth function, data sent, who may) -- the rules, one line each.
# CKAN lets a sysadmin pass every check.
TABLE = [
    ("ppid_choices", {}, EVERYONE),
    ("ppid_request_create", {}, EVERYONE),
    ("ppid_request_resend_link", {}, EVERYONE),
    # the token is the requester's key: the action refuses a wrong one
    ("ppid_request_track", {"token": "x"}, EVERYONE),
    ("ppid_request_complete", {"token": "x"}, EVERYONE),
    ("ppid_objection_create", {"token": "x"}, EVERYONE),
    # the request, with its requester's personal data
    ("ppid_request_show", {"id": REQUEST}, "pelaksana_a utama atasan sysadmin"),
    ("ppid_file_download", {"id": REQUEST}, "pelaksana_a utama atasan sysadmin"),
    ("ppid_request_list", {}, OFFICERS),  # a Pelaksana gets only its OPD's
    ("ppid_request_route", {"id": REQUEST, "opd": "dindik"}, "utama sysadmin"),
    ("ppid_request_handle", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    ("ppid_request_ask_completion", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    ("ppid_request_extend", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    ("ppid_request_decide", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    ("ppid_request_complete", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    ("ppid_objection_create", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    ("ppid_objection_decide", {"id": OBJECTION}, "atasan sysadmin"),
    ("ppid_dispute_create", {"id": OBJECTION}, "utama atasan sysadmin"),
    ("ppid_holiday_list", {}, OFFICERS),
    ("ppid_holiday_create", {}, "utama sysadmin"),
    ("ppid_holiday_delete", {}, "utama sysadmin"),
    # the DIP: the entry's stored OPD decides, whatever "opd" is sent along
    ("ppid_dip_create", {"opd": "dinkes"}, "pelaksana_a utama sysadmin"),
    ("ppid_dip_create", {"opd": "dindik"}, "pelaksana_b utama sysadmin"),
    ("ppid_dip_update", {"id": DIP}, "pelaksana_a utama sysadmin"),
    ("ppid_dip_update", {"id": DIP, "opd": "dinkes"}, "pelaksana_a utama sysadmin"),
    # B claiming its own OPD for Dinkes's entry, or A moving it away: both OPDs needed
    ("ppid_dip_update", {"id": DIP, "opd": "dindik"}, "utama sysadmin"),
    ("ppid_dip_delete", {"id": DIP, "opd": "dindik"}, "pelaksana_a utama sysadmin"),
    ("ppid_dip_show", {"id": DIP}, EVERYONE),
    ("ppid_dip_list", {}, EVERYONE),
    ("ppid_register_list", {}, EVERYONE),
    ("ppid_statistics", {}, EVERYONE),
    ("ppid_annual_report", {}, EVERYONE),
    ("ppid_remind", {}, "utama sysadmin"),
    ("ppid_personal_data_purge", {}, "utama sysadmin"),
    # the requester's personal data in full: the officers handling the request, the Atasan
    # once a keberatan exists (the fixture's request has one)
    ("ppid_personal_data_reveal", {"id": REQUEST}, "pelaksana_a utama atasan sysadmin"),
    ("ppid_personal_access_list", {"id": REQUEST}, "pelaksana_a utama atasan sysadmin"),
    # the requester's own requests about their data (UU PDP): by token; handled by the
    # officers of the request, all of them listed to the PPID Utama
    ("ppid_subject_request_create", {"token": "x"}, EVERYONE),
    ("ppid_subject_request_list", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    ("ppid_subject_request_list", {}, "utama sysadmin"),
    ("ppid_subject_request_close", {"id": REQUEST}, "pelaksana_a utama sysadmin"),
    # appointments: sysadmins appoint every role, the PPID Utama only Pelaksana
    ("ppid_appointment_list", {}, "utama sysadmin"),
    ("ppid_appointment_history", {}, "utama sysadmin"),
    ("ppid_appointment_create", {"role": "pelaksana", "opd": "dinkes"}, "utama sysadmin"),
    ("ppid_appointment_create", {"role": "utama"}, "sysadmin"),
    ("ppid_appointment_create", {"role": "atasan"}, "sysadmin"),
    ("ppid_appointment_delete", {"id": APPOINTMENT_PELAKSANA}, "utama sysadmin"),
    ("ppid_appointment_delete", {"id": APPOINTMENT_UTAMA}, "sysadmin"),
]

# actions without an auth function of their own name, and the one they check
CHECKED_BY = {
    "ppid_request_ask_completion": "ppid_request_handle",
    "ppid_request_extend": "ppid_request_handle",
    "ppid_request_decide": "ppid_request_handle",
    "ppid_holiday_delete": "ppid_holiday_create",
}


def _public_functions(module):
    return {name for name, fn in inspect.getmembers(module, inspect.isfunction)
            if name.startswith("ppid_") and fn.__module__ == module.__name__}


def test_the_table_covers_every_action_and_auth_function():
    covered = {name for name, _data, _who in TABLE}
    assert set(ppid_actions.ACTIONS) <= covered, set(ppid_actions.ACTIONS) - covered
    assert _public_functions(ppid_auth) <= covered
    for name, fn in ppid_actions.ACTIONS.items():
        checked = CHECKED_BY.get(name, name)
        assert f'check_access("{checked}"' in inspect.getsource(fn), name
    for name, _data, who in TABLE:
        assert set(who.split()) <= set(ROLES), name


@pytest.fixture
def act(app):
    """Each action in a request context of its own (mail builds links), as a web request
    would: a context shared with the test client's requests would share its user too."""
    def run(*args, **kwargs):
        with app.flask_app.test_request_context():
            return _act(*args, **kwargs)
    return run


@pytest.fixture
def call(app):
    """An action as ``user`` with a data dict (``act`` takes the data as keywords, and
    appointments have a ``user`` field of their own)."""
    def run(action, user, data):
        with app.flask_app.test_request_context():
            return tk.get_action(action)({"user": user or "", "ignore_auth": False}, data)
    return run


@pytest.fixture
def cast(people, act):
    """The people of the table and the objects the rules are about."""
    editor = factories.User(name="dinkes_editor", email="dinkes_editor@tangerangkota.go.id")
    factories.User(name="root", sysadmin=True)
    helpers.call_action("organization_member_create", id="dinkes", username=editor["name"],
                        role="admin")
    created = act("ppid_request_create", None, **request_data())
    req = act("ppid_request_show", "utama", id=created["number"])
    act("ppid_request_route", "utama", id=req["id"], opd="dinkes")
    objection = act("ppid_objection_create", None, token=created["tracking_token"],
                    grounds=["b"], reasons="informasi berkala tidak diumumkan")
    dip = act("ppid_dip_create", "utama", **DIP_ENTRY)
    by_user = {model.User.get(name).id: name for name in ("utama", "dinkes_officer")}
    ids = {(by_user.get(a.user_id), a.role): a.id for a in model.Session.query(Appointment)}
    return {REQUEST: req["id"], OBJECTION: objection["id"], DIP: dip["id"],
            APPOINTMENT_PELAKSANA: ids[("dinkes_officer", "pelaksana")],
            APPOINTMENT_UTAMA: ids[("utama", "utama")], "token": created["tracking_token"]}


DIP_ENTRY = {"number": "DIP-DINKES-1", "summary": "Profil Dinas Kesehatan", "opd": "dinkes",
             "holder": "Sekretariat", "responsible": "Kasubag Umum", "made": "2026, Tangerang",
             "form": "elektronik", "retention": "5 tahun", "category": "berkala"}


def _allowed(app, auth_name, user, data):
    try:
        with app.flask_app.test_request_context():
            tk.check_access(auth_name, {"user": user or "", "ignore_auth": False}, data)
        return True
    except tk.NotAuthorized:
        return False


def test_each_role_may_do_exactly_what_the_table_says(app, cast):
    wrong = []
    for name, data, who in TABLE:
        data = {k: cast.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
        for role in ROLES:
            got = _allowed(app, CHECKED_BY.get(name, name), USER_OF[role], data)
            if got != (role in who.split()):
                wrong.append(f"{name} {data} as {role}: {'allowed' if got else 'refused'}")
    assert not wrong, "\n".join(wrong)


# 1. the DIP: another OPD's entries stay out of reach ------------------------------------------

def test_pelaksana_cannot_rewrite_or_delete_another_opds_dip_entry(cast, act):
    entry = cast[DIP]
    rewrite = {**DIP_ENTRY, "opd": "dindik", "summary": "Diubah oleh Dindik"}
    with pytest.raises(tk.NotAuthorized):
        act("ppid_dip_update", "dindik_officer", id=entry, **rewrite)
    with pytest.raises(tk.NotAuthorized):
        act("ppid_dip_delete", "dindik_officer", id=entry, opd="dindik")
    model.Session.expire_all()
    stored = model.Session.get(DipEntry, entry)
    assert stored is not None and stored.opd == "dinkes"
    assert stored.summary == "Profil Dinas Kesehatan"


def test_moving_an_entry_needs_both_opds(cast, act):
    entry = cast[DIP]
    with pytest.raises(tk.NotAuthorized):  # Dinkes's Pelaksana cannot hand it to Dindik
        act("ppid_dip_update", "dinkes_officer", id=entry, **{**DIP_ENTRY, "opd": "dindik"})
    # a Pelaksana of both OPDs may, and so may the Utama
    appoint("dinkes_officer", "pelaksana", "dindik")
    moved = act("ppid_dip_update", "dinkes_officer", id=entry, **{**DIP_ENTRY, "opd": "dindik"})
    assert moved["opd"] == "dindik"
    assert act("ppid_dip_update", "utama", id=entry, **DIP_ENTRY)["opd"] == "dinkes"
    with pytest.raises(tk.NotAuthorized):
        act("ppid_dip_create", "dindik_officer", **{**DIP_ENTRY, "number": "DIP-2"})


# 2. roles by appointment only -----------------------------------------------------------------

def test_an_opd_dataset_editor_or_walidata_admin_sees_no_requester_data(cast, app, act):
    # an admin of Dinkes's datasets (and of the walidata org) who was never appointed
    helpers.call_action("organization_member_create", id="diskominfo", username="dinkes_editor",
                        role="admin")
    with pytest.raises(tk.NotAuthorized):
        act("ppid_request_show", "dinkes_editor", id=cast[REQUEST])
    with pytest.raises(tk.NotAuthorized):
        act("ppid_request_list", "dinkes_editor")
    headers = {"Authorization": factories.APIToken(user="dinkes_editor")["token"]}
    page = app.get(f"/ppid/petugas/{cast[REQUEST]}", headers=headers)
    assert page.status_code == 403
    assert PERSONAL["nik"] not in page.body and PERSONAL["address"] not in page.body


def test_a_city_may_opt_back_in_to_implicit_pelaksana(cast, ckan_config, act):
    ckan_config["ckanext.tangerang.ppid.pelaksana_capacities"] = "editor admin"
    assert act("ppid_personal_data_reveal", "dinkes_editor", id=cast[REQUEST],
               reason="uji")["nik"] == PERSONAL["nik"]


def test_ini_lists_still_bootstrap_utama_and_atasan(cast, ckan_config, act):
    factories.User(name="first_utama")
    factories.User(name="first_atasan")
    with pytest.raises(tk.NotAuthorized):
        act("ppid_appointment_list", "first_utama")
    ckan_config["ckanext.tangerang.ppid.utama_users"] = "first_utama"
    ckan_config["ckanext.tangerang.ppid.atasan_users"] = "first_atasan"
    assert act("ppid_appointment_list", "first_utama")
    tk.check_access("ppid_objection_decide", {"user": "first_atasan"}, {"id": cast[OBJECTION]})


def test_routing_mail_goes_to_appointed_pelaksana_not_to_dataset_editors(cast, people, act):
    # appointed for Dindik without being a member of its organization
    factories.User(name="dindik_ppid", email="dindik_ppid@tangerangkota.go.id")
    appoint("dindik_ppid", "pelaksana", "dindik")
    editor = factories.User(name="dindik_editor", email="dindik_editor@tangerangkota.go.id")
    helpers.call_action("organization_member_create", id="dindik", username=editor["name"],
                        role="editor")
    created = act("ppid_request_create", None, **request_data(information="Data sekolah"))
    req = act("ppid_request_show", "utama", id=created["number"])
    act("ppid_request_route", "utama", id=req["id"], opd="dindik")
    routed = [m for m in people.smtp.messages if created["number"] in m.body]
    to = {address for m in routed for address in m.to}
    assert "dindik_ppid@tangerangkota.go.id" in to
    assert "dindik_officer@tangerangkota.go.id" in to
    assert "dindik_editor@tangerangkota.go.id" not in to


def test_appointment_errors_name_the_field_and_what_is_allowed(cast, call):
    cases = [
        ({"user": "nobody_here", "role": "pelaksana", "opd": "dinkes"}, "user", "nobody_here"),
        ({"user": "citizen", "role": "pelaksana", "opd": "dinas-fiktif"}, "opd", "dinkes"),
        ({"user": "citizen", "role": "kepala", "opd": "dinkes"}, "role", "pelaksana"),
        ({"user": "citizen", "role": "pelaksana"}, "opd", ""),
        ({"user": "citizen", "role": "atasan", "opd": "dinkes"}, "opd", ""),
        ({"user": "dinkes_officer", "role": "pelaksana", "opd": "dinkes"}, "user", ""),
        ({"role": "pelaksana", "opd": "dinkes"}, "user", ""),
    ]
    for data, field, mentioned in cases:
        with pytest.raises(tk.ValidationError) as error:
            call("ppid_appointment_create", "root", data)
        assert field in error.value.error_dict, data
        assert mentioned in " ".join(error.value.error_dict[field]), data
    assert model.Session.query(Appointment).count() == 4  # the fixture's, nothing more


def test_utama_appoints_and_removes_pelaksana_only(cast, act, call):
    made = call("ppid_appointment_create", "utama", {
        "user": "citizen", "role": "pelaksana", "opd": "dinkes", "decree": "SK Sekda 800/12/2026"})
    assert made["appointed_by"] == "utama" and made["decree"] == "SK Sekda 800/12/2026"
    assert act("ppid_personal_data_reveal", "citizen", id=cast[REQUEST],
               reason="uji")["nik"] == PERSONAL["nik"]
    with pytest.raises(tk.NotAuthorized):
        call("ppid_appointment_create", "utama", {"user": "citizen", "role": "utama"})
    with pytest.raises(tk.NotAuthorized):
        act("ppid_appointment_delete", "utama", id=cast[APPOINTMENT_UTAMA])
    act("ppid_appointment_delete", "utama", id=made["id"])
    with pytest.raises(tk.NotAuthorized):
        act("ppid_request_show", "citizen", id=cast[REQUEST])
    listed = act("ppid_appointment_list", "utama")
    assert {(a["user_name"], a["role"], a["opd"]) for a in listed} == {
        ("utama", "utama", None), ("dinkes_officer", "pelaksana", "dinkes"),
        ("dindik_officer", "pelaksana", "dindik"), ("sekda", "atasan", None)}
    # the audit trail keeps the appointment and its removal, who and what, newest first
    trail = act("ppid_appointment_history", "utama")
    assert [(e["action"], e["user_name"], e["role"], e["opd"], e["by"], e["decree"])
            for e in trail[:2]] == [
        ("remove", "citizen", "pelaksana", "dinkes", "utama", "SK Sekda 800/12/2026"),
        ("appoint", "citizen", "pelaksana", "dinkes", "utama", "SK Sekda 800/12/2026")]
    with pytest.raises(tk.NotAuthorized):
        act("ppid_appointment_history", "dinkes_officer")


def _csrf(html):
    return csrf_field(html)


def test_appointment_page_lists_appoints_and_removes(app, cast, act):
    headers = {"Authorization": factories.APIToken(user="root")["token"]}
    page = app.get("/ppid/petugas/penunjukan", headers=headers)
    assert page.status_code == 200
    html = page.body
    for field in ("user", "role", "opd", "decree"):
        assert f'for="field-{field}"' in html and f'id="field-{field}"' in html
    assert "dinkes_officer" in html and "Dinas Kesehatan" in html
    response = app.post("/ppid/petugas/penunjukan", headers=headers, follow_redirects=False,
                        data={"user": "citizen", "role": "pelaksana", "opd": "dindik",
                              "decree": "SK 1/2026", **_csrf(html)})
    assert response.status_code == 302
    made = [a for a in act("ppid_appointment_list", "root") if a["user_name"] == "citizen"]
    assert [(a["role"], a["opd"]) for a in made] == [("pelaksana", "dindik")]
    # bad input: the form again, the error summarised and tied to the field
    page = app.get("/ppid/petugas/penunjukan", headers=headers)
    response = app.post("/ppid/petugas/penunjukan", headers=headers,
                        data={"user": "nobody_here", "role": "pelaksana", "opd": "dindik",
                              **_csrf(page.body)})
    assert response.status_code == 409 and 'role="alert"' in response.body
    assert 'href="#field-user"' in response.body and "nobody_here" in response.body
    response = app.post("/ppid/petugas/penunjukan", headers=headers, follow_redirects=False,
                        data={"id": made[0]["id"], "delete": "1", **_csrf(page.body)})
    assert response.status_code == 302
    assert not [a for a in act("ppid_appointment_list", "root") if a["user_name"] == "citizen"]
    page = app.get("/ppid/petugas/penunjukan", headers=headers)
    history = page.body[page.body.index("History of appointments") if "History of appointments"
                        in page.body else page.body.index("Riwayat penunjukan"):]
    assert history.count("citizen") == 2 and "SK 1/2026" in history


def test_appointment_page_is_for_sysadmins_and_utama_only(app, cast):
    for name in ("dinkes_officer", "sekda", "dinkes_editor"):
        headers = {"Authorization": factories.APIToken(user=name)["token"]}
        assert app.get("/ppid/petugas/penunjukan", headers=headers).status_code == 403, name
    assert app.get("/ppid/petugas/penunjukan").status_code == 403
    headers = {"Authorization": factories.APIToken(user="utama")["token"]}
    html = app.get("/ppid/petugas/penunjukan", headers=headers).body
    # the Utama is offered Pelaksana only, in Indonesian first and in English under /en
    assert 'value="utama"' not in html and 'value="pelaksana"' in html
    english = app.get("/en/ppid/petugas/penunjukan", headers=headers).body
    assert "Appoint an officer" in english
    assert "Tunjuk petugas" in html


# 4. the requester never sees internal notes ---------------------------------------------------

def test_routing_note_is_internal(app, cast, act):
    created = act("ppid_request_create", None, **request_data(information="Data gizi balita"))
    req = act("ppid_request_show", "utama", id=created["number"])
    note = "Mohon cek arsip Bidang Kesmas, jangan sebut nama pelapor"
    act("ppid_request_route", "utama", id=req["id"], opd="dinkes", note=note)
    tracked = act("ppid_request_track", None, token=created["tracking_token"])
    assert note not in str(tracked)
    assert "route" in [e["action"] for e in tracked["events"]]  # where it went stays visible
    api = app.post("/api/3/action/ppid_request_track",
                   json={"token": created["tracking_token"]})
    assert api.status_code == 200 and note not in api.body
    assert note not in app.get(f"/ppid/lacak/{created['tracking_token']}").body
    # the officers still read it
    assert note in str(act("ppid_request_show", "dinkes_officer", id=req["id"]))
    headers = {"Authorization": factories.APIToken(user="dinkes_officer")["token"]}
    assert note in app.get(f"/ppid/petugas/{req['id']}", headers=headers).body


def test_migration_moves_old_routing_notes_out_of_the_tracking_page(app, cast, act):
    """Routing events written before the fix carried "<OPD>: <note>" publicly."""
    import importlib.util
    import pathlib

    import sqlalchemy as sa
    from ckanext.tangerang.ppid.model import Event

    path = next(pathlib.Path(ppid_actions.__file__).parents[3].glob(
        "migration/tangerang_ppid/versions/0004_*.py"))
    spec = importlib.util.spec_from_file_location("ppid_migration_0004", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    created = act("ppid_request_create", None, **request_data(information="Data lama"))
    req = act("ppid_request_show", "utama", id=created["number"])
    act("ppid_request_route", "utama", id=req["id"], opd="dinkes")
    old = model.Session.query(Event).filter(Event.request_id == req["id"],
                                            Event.action == "route").one()
    old.note = "Dinas Kesehatan: catatan lama untuk Kesmas"
    model.Session.commit()
    for statement in migration.STATEMENTS:
        model.Session.execute(sa.text(statement))
    model.Session.commit()
    model.Session.expire_all()
    tracked = act("ppid_request_track", None, token=created["tracking_token"])
    assert "catatan lama" not in str(tracked)
    assert "Dinas Kesehatan" in [e["note"] for e in tracked["events"] if e["action"] == "route"]
    shown = act("ppid_request_show", "dinkes_officer", id=req["id"])
    assert "catatan lama untuk Kesmas" in [e["note"] for e in shown["events"]
                                           if e["action"] == "internal_note"]


def test_appoint_cli(people, cli):
    from ckan.cli.cli import ckan as ckan_cli

    result = cli.invoke(ckan_cli, ["tangerang", "ppid", "appoint", "citizen", "pelaksana",
                                   "--opd", "dinkes", "--decree", "SK 5/2026"])
    assert result.exit_code == 0, result.output
    assert "appointed citizen as pelaksana of dinkes" in result.output
    listed = cli.invoke(ckan_cli, ["tangerang", "ppid", "appointments"])
    assert "citizen\tpelaksana\tdinkes\tSK 5/2026" in listed.output
    bad = cli.invoke(ckan_cli, ["tangerang", "ppid", "appoint", "nobody_here", "atasan"])
    assert bad.exit_code == 1 and "nobody_here" in bad.output
